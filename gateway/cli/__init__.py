"""The `bff` command: a table of subcommands, each imported only when it runs.

`bff serve` never loads discovery's CLI, `bff plan` never loads uvicorn, and
nothing here is loaded on Lambda. Each command module has `main(argv) -> int`
with its own parser (`bff NAME --help`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NamedTuple


class Command(NamedTuple):
    help: str
    target: str  # "module:function", called with the arguments after the command's name


COMMANDS: dict[str, Command] = {
    "serve": Command("serve a supergraph over HTTP (GraphQL at /graphql)", "gateway.cli.serve:main"),
    "dev": Command("start the example services and a gateway over them", "gateway.dev:main"),
    "plan": Command("print the query plan of an operation", "gateway.cli.plan:main"),
    "config": Command("check a bff.yaml, print its JSON Schema or the effective configuration",
                      "gateway.cli.config:main"),
    "compose": Command("compose subgraph SDLs into a supergraph (in Python, no Node needed)",
                       "discovery.compose.cli:main"),
    "registry": Command("create a registry (bff registry init URL)", "gateway.cli.registry:main"),
    "publish": Command("publish (add or replace) a service in the registry", "gateway.cli.registry:main"),
    "remove": Command("remove a service from the registry", "gateway.cli.registry:main"),
    "services": Command("list the published services", "gateway.cli.registry:main"),
    "history": Command("every version of the graph: who, when, what changed", "gateway.cli.registry:main"),
    "supergraph": Command("print the current composed supergraph", "gateway.cli.registry:main"),
    "documents": Command("trusted documents per client in the registry", "discovery.documents_cli:main"),
    "usage": Command("field usage by client, as recorded by gateways", "discovery.usage_cli:main"),
    "contracts": Command("list the contracts defined in the registry (docs/contracts.md)",
                         "discovery.contracts_cli:list_main"),
    "contract": Command("show, diff, set or remove one contract in the registry", "discovery.contracts_cli:main"),
}
# Commands whose function wants its own name first (they share one parser).
_WITH_NAME = {"gateway.cli.registry:main"}
_DESCRIPTION = "bff: a GraphQL backend-for-frontend gateway over an Apollo Federation v2 supergraph."


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `bff` command line; returns the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        out = sys.stdout if args else sys.stderr
        print(_usage(), file=out)
        return 0 if args else 2
    if args[0] == "--version":
        print(f"bff {_version()}")
        return 0
    command = COMMANDS.get(args[0])
    if command is None:
        import difflib

        close = difflib.get_close_matches(args[0], list(COMMANDS), n=1)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        print(f"{_usage()}\nbff: error: unknown command {args[0]!r}{hint}", file=sys.stderr)
        return 2
    import importlib

    module_name, _, function = command.target.partition(":")
    run = getattr(importlib.import_module(module_name), function)
    return int(run(args if command.target in _WITH_NAME else args[1:]) or 0)


def _usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: bff [--version] COMMAND [ARGS...]", "", _DESCRIPTION, "", "commands:"]
    lines += [f"  {name:<{width}}  {command.help}" for name, command in COMMANDS.items()]
    lines += ["", "`bff COMMAND --help` describes a command, with an example."]
    return "\n".join(lines)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bff-gateway")
    except PackageNotFoundError:
        return "unknown"
