"""`bff compose`: compose subgraph SDL files into a supergraph without Node.

    bff compose --subgraph accounts=http://accounts/graphql=accounts.graphql ... [-o supergraph.graphql]
    bff compose --config subgraphs.json     # [{"name", "url", "sdl"} | {"name", "url", "sdl_file"}]

Exit code 0 with the supergraph on stdout (or in -o FILE); 1 with one line per
composition error on stderr; 2 for unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from . import Lookup, SubgraphInput, compose_supergraph


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The subcommand's options (`bff compose`, gateway/cli/ runs main())."""
    parser.add_argument("--subgraph", action="append", default=[], metavar="NAME=URL=FILE",
                        help="a subgraph: its name, URL and SDL file (repeatable)")
    parser.add_argument("subgraphs_json", nargs="?", metavar="SUBGRAPHS.json",
                        help='JSON list of {"name", "url", "sdl"} (same as --config)')
    parser.add_argument("--service", action="append", default=[], metavar="NAME=URL",
                        help="a running subgraph: its SDL is asked from URL with { _service { sdl } } (repeatable)")
    parser.add_argument("--config", metavar="FILE",
                        help='JSON list of {"name", "url", "sdl" or "sdl_file", optional "lookups"}')
    parser.add_argument("-o", "--output", metavar="FILE", help="write the supergraph here instead of stdout")


def run(args: argparse.Namespace) -> int:
    """Run `bff compose` with parsed arguments; returns the exit code."""
    if getattr(args, "subgraphs_json", None):
        if args.config:
            print("bff compose: error: give SUBGRAPHS.json or --config, not both", file=sys.stderr)
            return 2
        args.config = args.subgraphs_json
    try:
        inputs = _inputs(args)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"bff compose: error: {exc}", file=sys.stderr)
        return 2
    if not inputs:
        print("bff compose: error: give --subgraph NAME=URL=FILE, --service NAME=URL or --config FILE", file=sys.stderr)
        return 2
    result = compose_supergraph(inputs)
    if not result.ok:
        for error in result.errors:
            where = f" ({error.coordinate})" if error.coordinate else ""
            print(f"bff compose: {error.code}{where}: {error.message}", file=sys.stderr)
        return 1
    if args.output:
        Path(args.output).write_text(result.supergraph or "")
    else:
        sys.stdout.write(result.supergraph or "")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bff compose", description="Compose subgraph SDLs into a supergraph (in Python, no Node needed).",
        allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  bff compose --subgraph accounts=http://127.0.0.1:4101/graphql=accounts.graphql "
               "-o supergraph.graphql")
    add_arguments(parser)
    return run(parser.parse_args(argv))


def _inputs(args: argparse.Namespace) -> list[SubgraphInput]:
    inputs: list[SubgraphInput] = []
    for spec in args.subgraph:
        parts = spec.split("=", 1)
        if len(parts) != 2 or "=" not in parts[1]:
            raise ValueError(f"expected NAME=URL=FILE, got {spec!r}")
        name = parts[0]
        url, _, file = parts[1].rpartition("=")
        inputs.append(SubgraphInput(name, url, Path(file).read_text()))
    for spec in args.service:
        name, sep, url = spec.partition("=")
        if not sep or not name or not url:
            raise ValueError(f"expected NAME=URL, got {spec!r}")
        from discovery.client import fetch_sdl

        inputs.append(SubgraphInput(name, url, fetch_sdl(url)))
    if args.config:
        base = Path(args.config).parent
        for entry in json.loads(Path(args.config).read_text()):
            sdl = entry["sdl"] if "sdl" in entry else (base / entry["sdl_file"]).read_text()
            lookups = tuple(Lookup(l["type"], l["field"], dict(l["arguments"])) for l in entry.get("lookups", ()))
            inputs.append(SubgraphInput(entry["name"], entry["url"], sdl, lookups))
    return inputs


if __name__ == "__main__":
    sys.exit(main())
