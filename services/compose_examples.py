"""Regenerate services/supergraph.graphql from the example services' schemas.

    python -m services.compose_examples            # write the file
    python -m services.compose_examples --check    # exit 1 if it is out of date
    python -m services.compose_examples --apollo   # compose with @apollo/composition

The SDL is what each service answers to `{ _service { sdl } }`. This file is
composed by a Node reference composer in tests/node (needs its node_modules:
`npm install` there), so that the committed supergraph is the reference
composers' output. The gateway serving a supergraph does not compose; the
registry (`bff publish`) and `bff compose` do, in Python (discovery/compose/).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from services.catalog import DEFAULT_HOST, DEFAULT_PORT_BASE, SERVICES, subgraph_urls

ROOT = Path(__file__).resolve().parents[1]
SUPERGRAPH_PATH = ROOT / "services" / "supergraph.graphql"
COMPOSE_SCRIPT = ROOT / "tests" / "node" / "compose.mjs"
NODE_MODULES = ROOT / "tests" / "node" / "node_modules"


class ComposeError(RuntimeError):
    pass


def subgraph_inputs(host: str = DEFAULT_HOST, port_base: int = DEFAULT_PORT_BASE) -> list[dict[str, str]]:
    """[{name, url, sdl}] for every example service, the composer's input."""
    urls = subgraph_urls(host, port_base)
    inputs = []
    for service in SERVICES:
        result = service.load_schema().execute_sync("{ _service { sdl } }")
        if result.errors:
            raise ComposeError(f"{service.name}: _service query failed: {result.errors[0]}")
        inputs.append({"name": service.name, "url": urls[service.name], "sdl": result.data["_service"]["sdl"]})
    return inputs


def compose(inputs: list[dict[str, str]], *, apollo: bool = False) -> str:
    """The supergraph SDL, or ComposeError with the composer's messages."""
    if not NODE_MODULES.is_dir():
        raise ComposeError(f"{NODE_MODULES} is missing: run `npm install` in tests/node first")
    args = ["node", str(COMPOSE_SCRIPT)] + (["--apollo"] if apollo else [])
    proc = subprocess.run(args, input=json.dumps(inputs), capture_output=True, text=True, cwd=COMPOSE_SCRIPT.parent, timeout=120)
    if proc.returncode != 0:
        raise ComposeError(f"composition failed: {proc.stderr.strip() or f'exit code {proc.returncode}'}")
    return proc.stdout if proc.stdout.endswith("\n") else proc.stdout + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.compose_examples", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file instead of writing it")
    parser.add_argument("--apollo", action="store_true", help="use @apollo/composition instead of the Guild composer")
    parser.add_argument("--output", type=Path, default=SUPERGRAPH_PATH)
    args = parser.parse_args(argv)
    try:
        sdl = compose(subgraph_inputs(), apollo=args.apollo)
    except ComposeError as exc:
        print(f"compose_examples: {exc}", file=sys.stderr)
        return 1
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != sdl:
            print(f"{args.output} is out of date: run `python -m services.compose_examples`", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.write_text(sdl)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
