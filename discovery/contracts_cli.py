"""`bff contracts` and `bff contract show|diff|set|remove`: contract definitions in the registry.

    bff contracts [--json]                                  list the definitions
    bff contract show NAME [-o FILE]                        the contract's API schema (SDL)
    bff contract diff NAME --schema NEW [--service S]       what NEW changes in the contract's schema
    bff contract set NAME [--include TAG ...] [--exclude TAG ...] [--client NAME ...]
                          [--claim CLAIM=VALUE ...] [--path /graphql/NAME ...] [--allow-breaking]
    bff contract remove NAME [--allow-breaking]

Every command takes --registry URL (default $BFF_REGISTRY, else sqlite:///.bff/registry.db).
`set` and `remove` make a new graph version after the registry's checks (docs/contracts.md).
Exit codes: 0 done, 1 the registry refused (or `diff` found breaking changes), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from .cli import REGISTRY_ENV, _actor, _open, _report, _Usage

_REGISTRY_HELP = ("sqlite:///PATH, dynamodb://TABLE or the registry API's http(s):// URL (default: $BFF_REGISTRY, "
                  "else sqlite:///.bff/registry.db)")


def list_main(argv: Sequence[str]) -> int:
    """`bff contracts`: the current definitions."""
    parser = argparse.ArgumentParser(prog="bff contracts", description="list the contracts defined in the registry",
                                     allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="example:\n  bff contracts --registry sqlite:///.bff/registry.db")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--registry", metavar="URL", help=_REGISTRY_HELP)
    args = parser.parse_args(list(argv))
    return _run("contracts", args, _list)


def main(argv: Sequence[str]) -> int:
    """`bff contract COMMAND ...`."""
    parser = argparse.ArgumentParser(prog="bff contract", description="show, diff, set or remove one contract",
                                     allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="example:\n  bff contract set mobile --include mobile --exclude internal "
                                            "--client ios --client android\n  bff contract show mobile\n"
                                            "  bff contract diff mobile --schema new-supergraph.graphql")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    show = commands.add_parser("show", allow_abbrev=False, help="print the contract's API schema (SDL)")
    show.add_argument("-o", "--output", metavar="FILE", help="write it to FILE instead of stdout")
    diff = commands.add_parser("diff", allow_abbrev=False,
                               help="what a new supergraph (or one service's new SDL) changes in the contract's schema")
    diff.add_argument("--schema", required=True, metavar="FILE",
                      help="a composed supergraph, or with --service that service's new SDL (- for stdin)")
    diff.add_argument("--service", metavar="NAME", help="compose FILE as this service's SDL with the others")
    put = commands.add_parser("set", allow_abbrev=False, help="add or replace a contract (a new graph version)")
    put.add_argument("--include", action="append", default=[], metavar="TAG", help="keep only elements tagged TAG")
    put.add_argument("--exclude", action="append", default=[], metavar="TAG", help="remove elements tagged TAG")
    put.add_argument("--client", action="append", default=[], metavar="NAME",
                     help="apollographql-client-name values that get this contract")
    put.add_argument("--claim", action="append", default=[], metavar="CLAIM=VALUE",
                     help="bind the contract to a token claim value (e.g. azp=mobile-app)")
    put.add_argument("--path", action="append", default=[], metavar="PATH", help="serve it at PATH (/graphql/NAME)")
    put.add_argument("--allow-breaking", action="store_true", help="accept breaking the contract's clients")
    put.add_argument("--by", metavar="WHO", help="who changes it (default: $BFF_PUBLISHER or user@host)")
    remove = commands.add_parser("remove", allow_abbrev=False, help="delete a contract (a new graph version)")
    remove.add_argument("--allow-breaking", action="store_true", help="accept breaking the contract's clients")
    remove.add_argument("--by", metavar="WHO", help="who removes it (default: $BFF_PUBLISHER or user@host)")
    for sub in (show, diff, put, remove):
        sub.add_argument("name", metavar="NAME", help="the contract's name")
        sub.add_argument("--registry", metavar="URL", help=_REGISTRY_HELP)
    args = parser.parse_args(list(argv))
    return _run(f"contract {args.command}", args, {"show": _show, "diff": _diff, "set": _set,
                                                   "remove": _remove}[args.command])


def _run(label: str, args: argparse.Namespace, command: Any) -> int:
    try:
        registry = _open(args.registry or os.environ.get(REGISTRY_ENV) or "sqlite:///.bff/registry.db")
        try:
            return command(registry, args)
        finally:
            close = getattr(getattr(registry, "store", None), "close", None)
            if close:
                close()
    except _Usage as exc:
        print(f"bff {label}: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # the store's errors: one line, no traceback
        print(f"bff {label}: error: {exc}", file=sys.stderr)
        return 1


def _list(registry: Any, args: argparse.Namespace) -> int:
    definitions = registry.contracts()
    if args.json:
        print(json.dumps([d.to_json() for d in definitions], indent=2))
        return 0
    if not definitions:
        print("no contracts defined")
    for d in definitions:
        match = [*(f"client {c}" for c in d.clients), *(f"path {p}" for p in d.paths),
                 *(f"claim {claim}={v}" for claim, values in d.claims for v in values)]
        print(f"{d.name}\tinclude {','.join(d.include) or '-'}\texclude {','.join(d.exclude) or '-'}\t"
              f"{'; '.join(match) or 'no requests select it'}")
    return 0


def _contract_schema(registry: Any, name: str, supergraph: str | None = None) -> Any:
    from bff_common.contracts.schemas import ContractsInvalid, build_contract_schemas

    definition = next((d for d in registry.contracts() if d.name == name), None)
    if definition is None:
        raise _Usage(f"no contract named {name!r} (bff contracts lists them)")
    sdl = supergraph if supergraph is not None else registry.supergraph().sdl
    if sdl is None:
        raise _Usage("nothing is published: the registry has no supergraph")
    try:
        return build_contract_schemas(sdl, [definition]).schemas[name]
    except ContractsInvalid as error:
        raise _Usage(str(error)) from None


def _show(registry: Any, args: argparse.Namespace) -> int:
    from graphql import print_schema

    sdl = print_schema(_contract_schema(registry, args.name)) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(sdl)
        print(f"wrote contract {args.name} to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(sdl)
    return 0


def _diff(registry: Any, args: argparse.Namespace) -> int:
    from graphql.utilities import find_breaking_changes, find_dangerous_changes

    try:
        text = sys.stdin.read() if args.schema == "-" else open(args.schema, encoding="utf-8").read()
    except (OSError, UnicodeDecodeError) as exc:
        raise _Usage(f"cannot read {args.schema!r}: {getattr(exc, 'strerror', None) or exc}") from None
    if args.service:
        from .model import Service
        from .registry import compose_services

        # The HTTP API lists services without their SDL: ask for each.
        services = {s.name: s if s.sdl else registry.show(s.name) for s in registry.services()}
        old = services.get(args.service)
        services[args.service] = Service(args.service, old.endpoint if old else "http://new.invalid/graphql", text)
        text, problems = compose_services([services[n] for n in sorted(services)])
        if problems or text is None:
            raise _Usage("the new schema does not compose: " + "; ".join(p.message for p in problems))
    old_schema = _contract_schema(registry, args.name)
    new_schema = _contract_schema(registry, args.name, text)
    breaking = [c for c in find_breaking_changes(old_schema, new_schema)
                if not c.description.startswith("Standard scalar ")]  # its fields are reported themselves
    dangerous = find_dangerous_changes(old_schema, new_schema)
    added = sorted(_coordinates(new_schema) - _coordinates(old_schema))
    for change in breaking:
        print(f"breaking: {change.description}")
    for danger in dangerous:
        print(f"dangerous: {danger.description}")
    for coordinate in added:
        print(f"added: {coordinate}")
    if not (breaking or dangerous or added):
        print(f"no change to contract {args.name}")
    return 1 if breaking else 0


def _coordinates(schema: Any) -> set[str]:
    out: set[str] = set()
    for name, t in schema.type_map.items():
        if name.startswith("__"):
            continue
        out.add(name)
        for field_name, f in (getattr(t, "fields", None) or {}).items():
            out.add(f"{name}.{field_name}")
            out.update(f"{name}.{field_name}({a}:)" for a in getattr(f, "args", None) or {})
        out.update(f"{name}.{v}" for v in getattr(t, "values", None) or {})
    return out


def _set(registry: Any, args: argparse.Namespace) -> int:
    from bff_common.contracts.definitions import parse_definition

    claims: dict[str, list[str]] = {}
    for item in args.claim:
        claim, sep, value = item.partition("=")
        if not sep or not claim or not value:
            raise _Usage(f"--claim {item!r}: use CLAIM=VALUE (e.g. azp=mobile-app)")
        claims.setdefault(claim, []).append(value)
    raw = {"include": args.include, "exclude": args.exclude, "clients": args.client, "claims": claims,
           "paths": args.path}
    definition, problems = parse_definition(args.name, raw, f"contract {args.name}")
    if problems:
        raise _Usage("; ".join(problems))
    outcome = registry.set_contract(definition, _actor(args), allow_breaking=args.allow_breaking)
    for warning in outcome.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return _report(outcome, f"contract {args.name} set")


def _remove(registry: Any, args: argparse.Namespace) -> int:
    outcome = registry.remove_contract(args.name, _actor(args), allow_breaking=args.allow_breaking)
    return _report(outcome, f"contract {args.name} removed")
