"""`bff config check | schema | show`: the configuration file, before anything starts."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .parsing import command_parser, fail


def main(argv: Sequence[str]) -> int:
    parser = command_parser(
        "bff config", "Check a bff.yaml (every problem, one line each; exit code 2), print the JSON Schema "
        "editors use to complete and check it, or show the effective configuration and where each value "
        "comes from (default, file, env, flag).", "bff config check examples/bff.yaml")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    check = commands.add_parser("check", help="validate FILE with the current BFF_* environment",
                                description="Validate FILE under the current BFF_* environment; secrets are "
                                "not fetched. Exit code 0 when usable, 2 with one line per problem.",
                                epilog="example:\n  bff config check examples/bff.yaml", allow_abbrev=False,
                                formatter_class=parser.formatter_class)
    check.add_argument("file", metavar="FILE")
    schema = commands.add_parser("schema", help="print the JSON Schema of bff.yaml",
                                 description="Print the JSON Schema of bff.yaml, generated from the same "
                                 "definitions the gateway validates with.",
                                 epilog="example:\n  bff config schema > bff.schema.json", allow_abbrev=False,
                                 formatter_class=parser.formatter_class)
    schema.add_argument("-o", "--output", metavar="FILE", help="write it to FILE instead of stdout")
    show = commands.add_parser("show", help="print the effective configuration and each value's source",
                               description="Print the effective configuration (FILE, or $BFF_CONFIG, under the "
                               "BFF_* environment) with the source of every value; secrets are references, "
                               "credentials in URLs are redacted.",
                               epilog="example:\n  BFF_INTROSPECTION=1 bff config show examples/bff.yaml",
                               allow_abbrev=False, formatter_class=parser.formatter_class)
    show.add_argument("file", metavar="FILE", nargs="?")
    show.add_argument("--json", action="store_true", help="print JSON: {key: {value, source}}")
    args = parser.parse_args(list(argv))
    if args.command == "schema":
        return _schema(args.output)
    from ..config.build import settings
    from ..config.errors import ConfigError

    try:
        current = settings(args.file, resolve_secrets=False)
    except ConfigError as exc:
        return fail(f"config {args.command}", str(exc))
    if args.command == "check":
        where = current.loaded.path or "the environment"
        print(f"{where}: ok")
        return 0
    rows = _effective(current.loaded)
    if args.json:
        print(json.dumps({key: {"value": value, "source": source} for key, value, source in rows}, indent=2))
    else:
        width = min(64, max(len(k) + len(json.dumps(v)) for k, v, _ in rows) + 3)
        for key, value, source in rows:
            print(f"{key} = {json.dumps(value)}".ljust(width) + f"  # {source}")
    return 0


def _schema(output: str | None) -> int:
    from ..config.schema import json_schema

    text = json.dumps(json_schema(), indent=2) + "\n"
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    return 0


def _effective(loaded: Any) -> list[tuple[str, Any, str]]:
    """(key, value, source) for every setting, defaults of `subgraphs.all` filled in."""
    import msgspec

    from ..config.model import CircuitBreaker, Headers, Retries, Subgraph

    model = loaded.model
    every = model.subgraphs.get("all") or Subgraph()
    filled = msgspec.structs.replace(
        every, timeout=every.timeout if every.timeout is not None else 30.0,
        retries=every.retries or Retries(), circuit_breaker=every.circuit_breaker or CircuitBreaker(),
        headers=every.headers or Headers())
    tree = msgspec.to_builtins(model)
    tree["subgraphs"] = {"all": msgspec.to_builtins(filled),
                         **{k: v for k, v in tree["subgraphs"].items() if k != "all"}}
    inherited = _inherited(tree["subgraphs"], loaded)
    rows: list[tuple[str, Any, str]] = []
    _flatten(tree, "", rows, loaded, inherited)
    return rows


def _inherited(subgraphs: dict[str, Any], loaded: Any) -> dict[str, str]:
    """A named subgraph's `retries` / `circuit_breaker` keys it does not write take `all`'s values:
    shown with those values, their source saying so. Returns key -> source."""
    sources: dict[str, str] = {}
    written = (loaded.raw.get("subgraphs") or {}) if isinstance(loaded.raw, dict) else {}
    for name, entry in subgraphs.items():
        for section in ("retries", "circuit_breaker"):
            own = ((written.get(name) or {}).get(section)) if name != "all" else None
            if not isinstance(own, dict) or not isinstance(entry.get(section), dict):
                continue
            for field, value in subgraphs["all"][section].items():
                if field not in own:
                    entry[section][field] = value
                    source = loaded.source(f"subgraphs.all.{section}.{field}")
                    sources[f"subgraphs.{name}.{section}.{field}"] = f"subgraphs.all ({source})"
    return sources


def _flatten(tree: Any, key: str, rows: list[tuple[str, Any, str]], loaded: Any, inherited: dict[str, str]) -> None:
    if isinstance(tree, dict) and tree and not key.endswith(("policies", "options")):
        for name, value in tree.items():
            _flatten(value, f"{key}.{name}" if key else name, rows, loaded, inherited)
        return
    rows.append((key, _redacted(tree), inherited.get(key) or loaded.source(key)))


def _redacted(value: Any) -> Any:
    """Credentials inside URLs (user:password@) are hidden; secrets themselves are only ever references."""
    if isinstance(value, str) and "@" in value and "://" in value:
        parts = urlsplit(value)
        if parts.password:
            netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
            return urlunsplit(parts._replace(netloc=netloc))
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value
