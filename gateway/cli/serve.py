"""The `bff` command: serve a supergraph, print a query plan, or run the local dev stack.

Each subcommand imports what it needs when it runs, so `bff plan` never loads
uvicorn and nothing here is loaded on Lambda.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Sequence

_REGISTRY_COMMANDS = ("registry", "publish", "remove", "services", "history", "supergraph")
_DESCRIPTION = "bff: a GraphQL backend-for-frontend gateway over an Apollo Federation v2 supergraph."


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `bff` command line; returns the process exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] == "dev":
        # Everything after `dev` belongs to gateway.dev's own parser.
        from .dev import main as dev_main

        return dev_main(args_list[1:])
    if args_list and args_list[0] == "compose":
        # Composition has its own parser; importing it (and graphql) only when asked.
        from discovery.compose.cli import add_arguments, run as compose_run

        compose_parser = argparse.ArgumentParser(prog="bff compose", description=_COMPOSE_HELP)
        add_arguments(compose_parser)
        return compose_run(compose_parser.parse_args(args_list[1:]))
    if args_list and args_list[0] in _REGISTRY_COMMANDS:
        # publish / remove / services / history / supergraph: the registry's own CLI.
        from discovery.cli import main as registry_main

        return registry_main(args_list)
    if args_list and args_list[0] == "documents":
        # Trusted documents in the registry (discovery/documents_cli.py).
        from discovery.documents_cli import main as documents_main

        return documents_main(args_list[1:])
    if args_list and args_list[0] == "usage":
        # Field usage by client, from the registry store (discovery/usage_cli.py).
        from discovery.usage_cli import main as usage_main

        return usage_main(args_list[1:])

    parser = _parser()
    args = parser.parse_args(args_list)
    if args.command == "serve":
        return _serve(args)
    if args.command == "plan":
        return _plan(args)
    parser.print_help(sys.stderr)
    return 2


_COMPOSE_HELP = "compose subgraph SDLs into a supergraph (in Python, no Node needed)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bff", description=_DESCRIPTION)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve a supergraph over HTTP (GraphQL at /graphql)")
    serve.add_argument("--supergraph", metavar="FILE", help="composed supergraph SDL file (or use --registry)")
    serve.add_argument("--registry", metavar="URL", help="load the supergraph from a registry (sqlite:///PATH, "
                       "dynamodb://TABLE or the registry API's URL) and follow its new versions")
    serve.add_argument("--poll-interval", type=float, default=10.0, metavar="S",
                       help="with --registry: check for a new version at most every S seconds (default: 10)")
    serve.add_argument("--fallback-supergraph", metavar="FILE",
                       help="with --registry: serve this file when the registry is unreachable at start")
    serve.add_argument("--trusted-documents", action="store_true",
                       help="with --registry: run only the documents registered there for the request's client "
                            "name and version (`bff documents publish`)")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=4000, help="port to bind; 0 picks a free one (default: 4000)")
    serve.add_argument("--introspection", action="store_true", help="answer __schema / __type queries")
    serve.add_argument("--expose-subgraph-errors", metavar="NAMES", default="",
                       help="pass these subgraphs' error messages to clients as they are (comma-separated, or '*'); "
                            "by default they are masked, except a few safe codes")
    serve.add_argument("--metrics", action="store_true", help="serve Prometheus metrics at GET /metrics "
                       "(same as BFF_METRICS=prometheus)")
    serve.add_argument("--access-log", action="store_true", help="log one line per HTTP request (off: it costs CPU)")
    serve.add_argument("--subgraph-url", action="append", default=[], metavar="NAME=URL", type=_name_url,
                       help="override a subgraph's URL from the supergraph (repeatable)")
    serve.add_argument("--subgraph-api-key", action="append", default=[], metavar="NAME=REF",
                       help="send X-API-Key to a subgraph, from a secret reference: env:VAR, ssm:/path or "
                            "secretsmanager:NAME (repeatable; also BFF_SUBGRAPH_API_KEYS=NAME=REF,...)")

    plan = commands.add_parser("plan", help="print the query plan of an operation")
    plan.add_argument("--supergraph", required=True, metavar="FILE", help="composed supergraph SDL file")
    plan.add_argument("query_file", metavar="QUERY_FILE", help="file holding the operation, or - for stdin")
    plan.add_argument("--variables", metavar="JSON", help="variables as a JSON object")
    plan.add_argument("--operation-name", metavar="NAME", help="operation to plan when the document has several")

    commands.add_parser("dev", help="start the example services and a gateway over them (see `bff dev --help`)")
    commands.add_parser("compose", help=_COMPOSE_HELP + " (see `bff compose --help`)")
    from discovery.cli import add_parsers

    add_parsers(commands)
    # Listed for --help only: `bff usage` is dispatched above, so `bff serve` never imports it.
    commands.add_parser("usage", help="field usage by client, as recorded by gateways (see `bff usage --help`)")
    commands.add_parser("documents", help="trusted documents per client in the registry (see `bff documents --help`)")
    return parser


def _name_url(value: str) -> tuple[str, str]:
    name, sep, url = value.partition("=")
    if not sep or not name or not url:
        raise argparse.ArgumentTypeError(f"expected NAME=URL, got {value!r}")
    return name, url


def _fail(command: str, message: str) -> int:
    print(f"bff {command}: error: {message}", file=sys.stderr)
    return 2


def _read_text(path: str, what: str) -> str:
    try:
        return sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    except (OSError, UnicodeDecodeError) as exc:
        raise _InputError(f"cannot read {what} {path!r}: {exc.strerror if isinstance(exc, OSError) else exc}") from None


class _InputError(Exception):
    pass


def _load_gateway(supergraph: str, config: Any) -> Any:
    """Gateway.from_file, with a bad supergraph reported as an input error instead of a traceback."""
    from .gateway import Gateway

    try:
        return Gateway.from_file(supergraph, config)
    except OSError as exc:
        raise _InputError(f"cannot read supergraph {supergraph!r}: {exc.strerror or exc}") from None
    except Exception as exc:
        raise _InputError(f"cannot build the gateway from {supergraph!r}: {exc or type(exc).__name__}") from None


def _plan(args: argparse.Namespace) -> int:
    try:
        query = _read_text(args.query_file, "query file")
        variables = None
        if args.variables is not None:
            import json

            try:
                variables = json.loads(args.variables)
            except ValueError as exc:
                raise _InputError(f"--variables is not valid JSON: {exc}") from None
            if not isinstance(variables, dict):
                raise _InputError("--variables must be a JSON object")
        from .config import GatewayConfig

        gateway = _load_gateway(args.supergraph, GatewayConfig())
        try:
            plan = gateway.explain(query, args.operation_name, variables)
        except Exception as exc:
            raise _InputError(str(exc) or type(exc).__name__) from None
    except _InputError as exc:
        return _fail("plan", str(exc))
    print(plan)
    return 0


def _api_key_references(flags: list[str]) -> dict[str, str]:
    """--subgraph-api-key flags over BFF_SUBGRAPH_API_KEYS (references only, never keys)."""
    import os

    from .secrets import parse_mapping

    references = parse_mapping(os.environ.get("BFF_SUBGRAPH_API_KEYS", ""))
    references.update(parse_mapping(",".join(flags)))
    return references


def _serve(args: argparse.Namespace) -> int:
    from .config import GatewayConfig

    try:
        api_keys = _api_key_references(args.subgraph_api_key)
    except ValueError as exc:
        return _fail("serve", str(exc))
    exposed = args.expose_subgraph_errors.strip()
    # Production settings by default: masked subgraph errors, no suggestions, limits on.
    config = GatewayConfig.production(
        introspection=args.introspection, subgraph_urls=dict(args.subgraph_url), subgraph_api_keys=api_keys,
        expose_subgraph_errors="*" if exposed == "*" else frozenset(n.strip() for n in exposed.split(",") if n.strip()))
    if args.metrics:
        from dataclasses import replace

        from .telemetry import settings_from_env

        config.telemetry = replace(settings_from_env(), metrics="prometheus")
    if args.trusted_documents:
        if not args.registry:
            return _fail("serve", "--trusted-documents needs --registry (the documents are stored there)")
        from .registry_documents import RegistryDocumentStore

        config.trusted_documents_only = True
        config.document_store = RegistryDocumentStore(args.registry)
    try:
        if args.registry:
            from .supergraph_source import open_switch

            try:
                gateway = open_switch(args.registry, config, poll_interval=args.poll_interval,
                                      fallback_path=args.fallback_supergraph)
            except Exception as exc:
                raise _InputError(str(exc) or type(exc).__name__) from None
        elif args.supergraph:
            gateway = _load_gateway(args.supergraph, config)
        else:
            raise _InputError("give --supergraph FILE or --registry URL")
    except _InputError as exc:
        return _fail("serve", str(exc))
    from .auth.authenticate import Authenticator
    from .auth.errors import AuthConfigError

    try:
        auth = Authenticator.from_env()  # a JWT misconfiguration is one line and exit 2, before the port opens
    except AuthConfigError as exc:
        return _fail("serve", str(exc))

    import socket

    import uvicorn

    from .http import create_app

    # Bind the socket ourselves so that --port 0 can print the port it got.
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # uvicorn sets TCP_NODELAY only on sockets it binds itself; accepted connections inherit
    # it from the listener, and without it small responses wait ~40 ms (Nagle + delayed ACK).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        sock.close()
        return _fail("serve", f"cannot listen on {args.host}:{args.port}: {exc.strerror}")
    host, port = sock.getsockname()[:2]
    shown_host = f"[{host}]" if family == socket.AF_INET6 else host
    print(f"bff: GraphQL endpoint at http://{shown_host}:{port}/graphql", flush=True)

    # loop/http "auto": uvloop and httptools when installed (the `local` extra brings them).
    app = create_app(gateway, config, auth)
    if args.registry:
        import os

        from .supergraph_source import with_registry

        # POST /admin/reload exists only when BFF_RELOAD_TOKEN is set (never a command-line secret).
        app = with_registry(app, gateway, reload_token=os.environ.get("BFF_RELOAD_TOKEN") or None, background_poll=True)
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="info",
                                           access_log=args.access_log, loop="auto", http="auto"))
    server.run(sockets=[sock])
    return 0
