"""`bff documents`: register a client's trusted documents in the registry, and list them.

    bff documents publish --client NAME --client-version V MANIFEST.json [--registry URL] [--by WHO]
    bff documents list [--client NAME] [--json] [--registry URL]

The manifest is any shape gateway/operation/persisted.py reads ({sha256: document},
with or without client sections, or Apollo's persisted query manifest); every
section is registered for --client/--client-version. Exit codes: 0 done, 1 the
registry refused or could not answer, 2 bad usage or unreadable manifest.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Sequence

from .cli import REGISTRY_ENV, StrictParser, _actor, _open, _report, _Usage


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bff documents", description="trusted documents per client in the registry",
                                     allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="example:\n  bff documents publish --client ios --client-version 1.4.0 "
                                            "manifest.json")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                     parser_class=StrictParser)
    p = commands.add_parser("publish", help="register a manifest's documents for one client name and version")
    p.add_argument("--client", required=True, metavar="NAME", help="the apollographql-client-name the app sends")
    p.add_argument("--client-version", required=True, metavar="V", help="the apollographql-client-version it sends")
    p.add_argument("manifest", metavar="MANIFEST.json")
    p.add_argument("--by", metavar="WHO", help="who publishes (default: $BFF_PUBLISHER or user@host)")
    p2 = commands.add_parser("list", help="list the registered documents (client, version, sha256)")
    p2.add_argument("--client", metavar="NAME", help="only this client's")
    p2.add_argument("--json", action="store_true", help="print JSON")
    for sub in (p, p2):
        sub.add_argument("--registry", metavar="URL", help="sqlite:///PATH, dynamodb://TABLE or the registry API's "
                         "http(s):// URL (default: $BFF_REGISTRY, else sqlite:///.bff/registry.db)")
    return parser


def main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    try:
        registry = _open(args.registry or os.environ.get(REGISTRY_ENV) or "sqlite:///.bff/registry.db")
        try:
            return _publish(registry, args) if args.command == "publish" else _list(registry, args)
        finally:
            close = getattr(registry, "close", None) or getattr(getattr(registry, "store", None), "close", None)
            if close:
                close()
    except _Usage as exc:
        print(f"bff documents {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # the store's errors: one line, no traceback
        print(f"bff documents {args.command}: error: {exc}", file=sys.stderr)
        return 1


def _publish(registry: Any, args: argparse.Namespace) -> int:
    from bff_common.documents import load_manifest

    try:
        manifest = load_manifest(args.manifest)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _Usage(f"cannot read manifest {args.manifest!r}: {getattr(exc, 'strerror', None) or exc}") from None
    documents = dict(manifest.shared)
    for section in manifest.by_client.values():
        documents.update(section)
    outcome = registry.publish_documents(args.client, args.client_version, documents, _actor(args))
    return _report(outcome, f"registered documents for {args.client}/{args.client_version}")


def _list(registry: Any, args: argparse.Namespace) -> int:
    entries = registry.documents(args.client)
    if args.json:
        print(json.dumps([e.to_json() for e in entries], indent=2))
        return 0
    if not entries:
        print("no documents registered")
    for e in entries:
        print(f"{e.client}\t{e.version}\t{e.sha256}\t{e.published_by}\t{e.published_at}")
    return 0
