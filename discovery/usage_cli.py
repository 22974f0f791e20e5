"""`bff usage`: which clients used which fields, from the usage gateways recorded in the registry.

    bff usage [--registry URL] [--days N] [--field Type.field] [--json]

Exit codes: 0 done, 1 the store could not answer, 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Sequence

from .usage import DEFAULT_DAYS, report, since


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = commands.add_parser("usage", help="field usage by client, as recorded by gateways (BFF_USAGE)")
    p.add_argument("--registry", metavar="URL", help="sqlite:///PATH or dynamodb://TABLE "
                   "(default: $BFF_REGISTRY, else sqlite:///.bff/registry.db)")
    p.add_argument("--days", type=int, default=DEFAULT_DAYS, metavar="N", help=f"the last N days (default {DEFAULT_DAYS})")
    p.add_argument("--field", metavar="COORDINATE", help="only this type, field (Type.field) or argument")
    p.add_argument("--json", action="store_true", help="print JSON")
    return p


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="bff", description="field usage by client", allow_abbrev=False)
    from .cli import StrictParser

    sub = add_parser(parser.add_subparsers(dest="command", parser_class=StrictParser))
    sub.description = "Field usage by client, as recorded by gateways (telemetry.usage / BFF_USAGE)."
    sub.epilog, sub.formatter_class = "example:\n  bff usage --days 7 --field Course.title", argparse.RawDescriptionHelpFormatter
    sub.prog = "bff usage"
    args, unknown = parser.parse_known_args(["usage", *argv])
    if unknown:  # said with `bff usage`'s usage, not the top-level one
        sub.error(f"unrecognized arguments: {' '.join(unknown)}")
    from .store import DEFAULT_URL, StoreError, open_store

    url = args.registry or os.environ.get("BFF_REGISTRY") or DEFAULT_URL
    if args.days < 1:
        print("bff usage: error: --days must be at least 1", file=sys.stderr)
        return 2
    try:
        store = open_store(url)
        rows = store.usage(since(args.days), args.field)
    except (ValueError, NotImplementedError) as exc:
        print(f"bff usage: error: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"bff usage: error: {exc}", file=sys.stderr)
        return 1
    table = report(rows, args.field)
    if args.json:
        print(json.dumps(table, indent=2, sort_keys=True))
        return 0
    if not table:
        print(f"no usage recorded in the last {args.days} days" + (f" for {args.field}" if args.field else ""))
        return 0
    width = max(len(c) for c in table)
    print(f"{'FIELD'.ljust(width)}  {'CLIENT':24}  REQUESTS")
    for coordinate in sorted(table):
        for client, count in sorted(table[coordinate].items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"{coordinate.ljust(width)}  {client:24}  {count}")
    return 0
