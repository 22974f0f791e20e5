"""Registry subcommands of `bff`: registry init, publish, remove, services, history, supergraph.

`--registry` takes a store URL (sqlite:///PATH, the default sqlite:///.bff/registry.db;
dynamodb://TABLE?region=R&endpoint=URL) or the registry HTTP API's http(s) URL
(token from BFF_REGISTRY_TOKEN). A registry is created on purpose only: `bff registry
init URL`, or the first `bff publish --create`; every other command fails on a
registry that does not exist, and a sqlite URL naming a missing directory is an error. Exit codes: 0 done, 1 the registry refused or
could not answer, 2 bad usage or unreadable input. Errors are one line each.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Sequence

COMMANDS = ("registry", "publish", "remove", "services", "history", "supergraph")
REGISTRY_ENV = "BFF_REGISTRY"
DEFAULT_URL = "sqlite:///.bff/registry.db"


class _Usage(Exception):
    """Bad input from the command line: exit code 2."""


class _Refused(Exception):
    """The registry refused or failed: exit code 1."""


def add_parsers(commands: Any) -> None:
    """Add the registry subcommands to an argparse subparsers object (the `bff` parser)."""
    def registry_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--registry", default=None, metavar="URL",
                       help="sqlite:///PATH (default sqlite:///.bff/registry.db, or $BFF_REGISTRY), dynamodb://TABLE, "
                            "or the registry API's http(s):// URL")

    p = commands.add_parser("publish", help="publish (add or replace) a service in the registry")
    p.add_argument("--name", required=True, help="service name (an identifier)")
    p.add_argument("--url", required=True, help="where the gateway reaches it: https://..., http://... or lambda:FUNCTION[:ALIAS]")
    p.add_argument("--schema", metavar="FILE", help="its SDL file (- for stdin); omitted: asked from --url with { _service { sdl } }")
    p.add_argument("--allow-breaking", action="store_true", help="accept changes that break existing client operations")
    p.add_argument("--allow-security-change", action="store_true",
                   help="accept removing or changing access directives (@authenticated, @requiresScopes, @policy, "
                        "@access); logged with --by")
    p.add_argument("--allow-override", action="store_true",
                   help="accept @override(from:) taking fields another service owns; logged with --by")
    p.add_argument("--api-key-ref", metavar="REF", help="where its API key lives: env:NAME, ssm:/path or secretsmanager:NAME")
    p.add_argument("--lookups", metavar="JSON", help='for plain GraphQL services: [{"type": T, "field": F, "arguments": {ARG: KEY}}]')
    p.add_argument("--by", metavar="WHO", help="who publishes (default: $BFF_PUBLISHER or user@host)")
    p.add_argument("--create", action="store_true", help="create the registry if it does not exist yet")
    registry_arg(p)
    p = commands.add_parser("remove", help="remove a service from the registry (same checks as publish)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--allow-breaking", action="store_true",
                   help="accept removing fields that clients still use (they are named otherwise)")
    p.add_argument("--allow-security-change", action="store_true",
                   help="accept losing access directives this service contributed; logged with --by")
    p.add_argument("--by", metavar="WHO", help="who removes it (default: $BFF_PUBLISHER or user@host)")
    registry_arg(p)
    p = commands.add_parser("registry", help="create a registry (`bff registry init URL`)")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = actions.add_parser("init", help="create an empty registry at URL (sqlite:///PATH or dynamodb://TABLE)")
    init.add_argument("url", metavar="URL", nargs="?", default=None,
                      help="the registry to create (default: $BFF_REGISTRY or sqlite:///.bff/registry.db)")
    p = commands.add_parser("services", help="list the published services")
    p.add_argument("--json", action="store_true", help="print JSON")
    registry_arg(p)
    p = commands.add_parser("history", help="every version of the graph: who, when, what changed")
    p.add_argument("name", metavar="NAME", nargs="?", help="only this service's versions")
    p.add_argument("--json", action="store_true", help="print JSON")
    registry_arg(p)
    p = commands.add_parser("supergraph", help="print the current composed supergraph")
    p.add_argument("-o", "--output", metavar="FILE", help="write it to FILE instead of stdout")
    registry_arg(p)


_HELP = {
    "registry": ("Create a registry's store (idempotent: an existing registry is left as it is).",
                 "bff registry init sqlite:///.bff/registry.db"),
    "publish": ("Publish (add or replace) a service in the registry; the registry composes the graph and refuses "
                "what does not compose or would break clients.",
                "bff publish --name accounts --url http://127.0.0.1:4101/graphql --schema accounts.graphql"),
    "remove": ("Remove a service from the registry (refused when the graph would not compose without it).",
               "bff remove accounts"),
    "services": ("List the services published in the registry.", "bff services --json"),
    "history": ("Every version of the graph: who published what, when, and what changed.", "bff history accounts"),
    "supergraph": ("Print the registry's current composed supergraph.", "bff supergraph -o supergraph.graphql"),
}


class StrictParser(argparse.ArgumentParser):
    """A subcommand parser that takes no abbreviated flags (`--reg` is not `--registry`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)


def main(argv: Sequence[str]) -> int:
    """Run one registry subcommand (argv starts with its name); returns the exit code."""
    parser = argparse.ArgumentParser(prog="bff", allow_abbrev=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=StrictParser)
    add_parsers(commands)
    for name, (description, example) in _HELP.items():  # `bff NAME --help`: what it does, and an example
        sub = commands.choices[name]
        sub.description, sub.epilog = description, f"example:\n  {example}"
        sub.formatter_class = argparse.RawDescriptionHelpFormatter
    args, unknown = parser.parse_known_args(list(argv))
    if unknown:  # said with the subcommand's usage, not the top-level one
        commands.choices[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        if args.command == "registry":
            return _init(args.url or os.environ.get(REGISTRY_ENV) or DEFAULT_URL)
        registry = _open(args.registry or os.environ.get(REGISTRY_ENV) or DEFAULT_URL,
                         create=getattr(args, "create", False))
        try:
            return _RUN[args.command](registry, args)
        finally:
            close = getattr(registry, "close", None) or getattr(getattr(registry, "store", None), "close", None)
            if close:
                close()
    except _Usage as exc:
        print(f"bff {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except _Refused as exc:
        print(f"bff {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # the store's errors and anything unforeseen: one line, no traceback
        from .store.base import StoreError

        kind = "" if isinstance(exc, StoreError) else f"{type(exc).__name__}: "
        print(f"bff {args.command}: error: {kind}{exc}", file=sys.stderr)
        return 1


def _open(url: str, *, create: bool = False) -> Any:
    from .client import open_registry

    try:
        return open_registry(url, create=create)
    except ValueError as exc:
        raise _Usage(str(exc)) from None


def _init(url: str) -> int:
    """`bff registry init URL`: create the store (idempotent: an existing registry is left as it is)."""
    from pathlib import Path

    from .store import open_store

    if url.startswith(("http://", "https://")):
        print("bff registry: error: a registry API exists once it is deployed; init takes sqlite:///PATH or "
              "dynamodb://TABLE", file=sys.stderr)
        return 2
    existed = None
    try:
        if url.startswith("sqlite:"):
            from .store.sqlite import SqliteStore

            existed = Path(SqliteStore.path_of(url)).exists()
        store = open_store(url, create=True)
    except ValueError as exc:
        print(f"bff registry: error: {exc}", file=sys.stderr)
        return 2
    try:
        version = store.current_version()
    except Exception as exc:  # unreachable DynamoDB, permissions: one line
        print(f"bff registry: error: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    state = "already exists" if existed else "created" if existed is False else "ready"
    print(f"registry {url} {state} (graph version {version})")
    return 0


def _actor(args: argparse.Namespace) -> str:
    if args.by:
        return args.by
    if os.environ.get("BFF_PUBLISHER"):
        return os.environ["BFF_PUBLISHER"]
    import getpass
    import socket

    try:
        return f"{getpass.getuser()}@{socket.gethostname()}"
    except Exception:
        return "unknown"


def _publish(registry: Any, args: argparse.Namespace) -> int:
    from .registry import PublishRequest

    if args.schema is None:
        from .client import fetch_sdl

        if not args.url.startswith(("http://", "https://")):
            raise _Usage("--schema is required when --url is not http(s)")
        try:
            sdl = fetch_sdl(args.url)
        except ValueError as exc:
            raise _Refused(str(exc)) from None
    else:
        try:
            sdl = sys.stdin.read() if args.schema == "-" else open(args.schema, encoding="utf-8").read()
        except (OSError, UnicodeDecodeError) as exc:
            raise _Usage(f"cannot read schema {args.schema!r}: {getattr(exc, 'strerror', None) or exc}") from None
    lookups = None
    if args.lookups:
        try:
            lookups = json.loads(args.lookups)
        except ValueError as exc:
            raise _Usage(f"--lookups is not valid JSON: {exc}") from None
    outcome = registry.publish(PublishRequest(args.name, args.url, sdl, _actor(args), lookups, args.api_key_ref,
                                              args.allow_breaking, args.allow_security_change, args.allow_override))
    return _report(outcome, f"published {args.name}")


def _remove(registry: Any, args: argparse.Namespace) -> int:
    return _report(registry.remove(args.name, _actor(args), args.allow_breaking, args.allow_security_change),
                   f"removed {args.name}")


def _report(outcome: Any, done: str) -> int:
    if outcome.ok:
        if outcome.changed:
            print(f"{done}: graph version {outcome.version} ({outcome.summary})")
        else:
            print(f"{done}: no change (graph version {outcome.version})")
        return 0
    for p in outcome.problems:
        where = f" [{p.coordinate}]" if p.coordinate else ""
        who = f" ({', '.join(p.subgraphs)})" if p.subgraphs else ""
        print(f"error: {p.code}: {p.message}{where}{who}", file=sys.stderr)
    if outcome.summary:
        print(f"hint: {outcome.summary}", file=sys.stderr)
    return 1


def _services(registry: Any, args: argparse.Namespace) -> int:
    services = registry.services()
    if args.json:
        print(json.dumps([s.to_json(with_sdl=False) for s in services], indent=2))
        return 0
    if not services:
        print("no services published")
    for s in services:
        print(f"{s.name}\t{s.endpoint}\trevision {s.revision}\t{s.published_by}\t{s.published_at}")
    return 0


def _history(registry: Any, args: argparse.Namespace) -> int:
    events = registry.history(args.name)
    if args.json:
        print(json.dumps([e.to_json() for e in events], indent=2))
        return 0
    if not events:
        print("no history")
    for e in events:
        print(f"v{e.version}\t{e.at}\t{e.actor}\t{e.action} {e.service}\t{e.summary}")
    return 0


def _supergraph(registry: Any, args: argparse.Namespace) -> int:
    stored = registry.supergraph()
    if stored.sdl is None:
        raise _Refused("no supergraph: nothing is published" if stored.version == 0 else
                       f"the graph at version {stored.version} has no services")
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(stored.sdl)
        except OSError as exc:
            raise _Usage(f"cannot write {args.output!r}: {exc.strerror}") from None
        print(f"wrote supergraph version {stored.version} to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(stored.sdl if stored.sdl.endswith("\n") else stored.sdl + "\n")
    return 0


_RUN = {"publish": _publish, "remove": _remove, "services": _services, "history": _history, "supergraph": _supergraph}
