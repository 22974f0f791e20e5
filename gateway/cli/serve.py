"""`bff serve`: serve a supergraph over HTTP under uvicorn.

Settings: defaults < bff.yaml (--config) < BFF_* environment < these flags
(gateway/config). Nothing starts until the whole configuration is valid.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from .parsing import InputError, command_parser, fail


def _parser() -> argparse.ArgumentParser:
    serve = command_parser(
        "bff serve", "Serve a supergraph over HTTP: POST/GET /graphql and GET /health. Settings come from "
        "--config FILE, then BFF_* variables, then these flags (docs/configuration.md).",
        "bff serve --config bff.yaml --port 0")
    serve.add_argument("--config", metavar="FILE", help="bff.yaml with every setting (default: $BFF_CONFIG)")
    serve.add_argument("--supergraph", metavar="FILE", help="composed supergraph SDL file (or use --registry)")
    serve.add_argument("--registry", metavar="URL", help="load the supergraph from a registry (sqlite:///PATH, "
                       "dynamodb://TABLE or the registry API's URL) and follow its new versions")
    serve.add_argument("--poll-interval", type=float, metavar="S",
                       help="with --registry: check for a new version at most every S seconds (default: 10)")
    serve.add_argument("--fallback-supergraph", metavar="FILE",
                       help="with --registry: serve this file when the registry is unreachable at start")
    serve.add_argument("--trusted-documents", action="store_true",
                       help="with --registry: run only the documents registered there for the request's client "
                            "name and version (`bff documents publish`)")
    serve.add_argument("--host", help="interface to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to bind; 0 picks a free one (default: 4000)")
    serve.add_argument("--workers", type=int, metavar="N", help="N worker processes on the one port, each with its "
                       "own gateway; a worker that dies is replaced (default: 1; server.workers)")
    serve.add_argument("--introspection", action="store_true", help="answer __schema / __type queries")
    serve.add_argument("--expose-subgraph-errors", metavar="NAMES",
                       help="pass these subgraphs' error messages to clients as they are (comma-separated, or '*'); "
                            "by default they are masked, except a few safe codes")
    serve.add_argument("--metrics", action="store_true", help="serve Prometheus metrics at GET /metrics "
                       "(same as BFF_METRICS=prometheus)")
    serve.add_argument("--get-queries", action="store_true",
                       help="serve full-text queries over GET (off: only persisted queries over GET)")
    serve.add_argument("--metrics-token", metavar="REF",
                       help="require this bearer token on GET /metrics, as a secret reference (env:NAME, ssm:..., "
                            "secretsmanager:...), never the token itself")
    serve.add_argument("--access-log", action="store_true", help="log one line per HTTP request (off: it costs CPU)")
    serve.add_argument("--subgraph-url", action="append", default=[], metavar="NAME=URL", type=_name_value,
                       help="override a subgraph's URL from the supergraph (repeatable)")
    serve.add_argument("--subgraph-api-key", action="append", default=[], metavar="NAME=REF", type=_name_value,
                       help="send X-API-Key to a subgraph, from a secret reference: env:VAR, ssm:/path or "
                            "secretsmanager:NAME (repeatable; also BFF_SUBGRAPH_API_KEYS=NAME=REF,...)")
    return serve


def _name_value(value: str) -> tuple[str, str]:
    name, sep, rest = value.partition("=")
    if not sep or not name or not rest:
        raise argparse.ArgumentTypeError(f"expected NAME=URL or NAME=REF, got {value!r}")
    return name, rest


def flags(args: argparse.Namespace) -> list[tuple[str, Any, str]]:
    """The flags given, as (key path in bff.yaml, value, flag): they override the file and the environment."""
    out: list[tuple[str, Any, str]] = []
    simple = [("supergraph", "supergraph.file", "--supergraph"), ("registry", "supergraph.registry", "--registry"),
              ("poll_interval", "supergraph.poll_interval", "--poll-interval"),
              ("fallback_supergraph", "supergraph.fallback_file", "--fallback-supergraph"),
              ("host", "server.host", "--host"), ("port", "server.port", "--port"),
              ("workers", "server.workers", "--workers")]
    for attr, key, flag in simple:
        if getattr(args, attr) is not None:
            out.append((key, getattr(args, attr), flag))
    if args.introspection:
        out.append(("security.introspection", True, "--introspection"))
    if args.expose_subgraph_errors is not None:
        names = [n.strip() for n in args.expose_subgraph_errors.split(",") if n.strip()]
        out.append(("security.errors.expose_subgraphs", names, "--expose-subgraph-errors"))
    if args.metrics:
        out.append(("telemetry.metrics.exporter", "prometheus", "--metrics"))
    if args.access_log:
        out.append(("server.access_log", True, "--access-log"))
    if args.get_queries:
        out.append(("server.get_queries", True, "--get-queries"))
    if args.metrics_token:
        out.append(("telemetry.metrics.token", args.metrics_token, "--metrics-token"))
    if args.trusted_documents:
        out.append(("persisted_documents.trusted.enabled", True, "--trusted-documents"))
        out.append(("persisted_documents.trusted.from_registry", True, "--trusted-documents"))
    out += [(f"subgraphs.{name}.url", url, "--subgraph-url") for name, url in args.subgraph_url]
    out += [(f"subgraphs.{name}.api_key", ref, "--subgraph-api-key") for name, ref in args.subgraph_api_key]
    return out


def main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    from ..config.build import settings
    from ..config.errors import ConfigError
    from ..logs import operator_logging

    operator_logging()  # the graph loaded, subgraph failures: INFO/WARNING on "bff.*" (logs.py)

    try:
        current = settings(args.config, flags=flags(args))
    except ConfigError as exc:
        return fail("serve", str(exc))
    config, source, server = current.gateway, current.supergraph, current.server
    if not source.registry and not source.file:
        return fail("serve", "give --supergraph FILE or --registry URL (or supergraph.file / supergraph.registry "
                    "in --config FILE)")
    if server.workers > 1:
        from .workers import serve_workers

        sock = bind(server)
        return 2 if sock is None else serve_workers(args.config, flags(args), sock, server, config)
    try:
        if source.registry:
            from ..supergraph_source import open_switch

            try:
                gateway = open_switch(source.registry, config, poll_interval=source.poll_interval or 10.0,
                                      fallback_path=source.fallback_file or source.file,
                                      fallback_services=source.fallback_services)
            except Exception as exc:
                raise InputError(str(exc) or type(exc).__name__) from None
        else:
            from .plan import load_gateway

            gateway = load_gateway(source.file, config)
    except InputError as exc:
        return fail("serve", str(exc))

    import uvicorn

    from ..auth.authenticate import Authenticator
    from ..http import create_app

    sock = bind(server)
    if sock is None:
        return 2

    # loop/http "auto": uvloop and httptools when installed (the `local` extra brings them).
    inner = create_app(gateway, config, auth=Authenticator.configured(current.auth))
    app: Callable[[Any, Any, Any], Awaitable[None]] = inner  # then wrapped (registry, worker header)
    if source.registry:
        from ..supergraph_source import with_registry

        # POST /admin/reload exists only when supergraph.reload_token (BFF_RELOAD_TOKEN) is set.
        token = _reload_token(source.reload_token)
        app = with_registry(app, gateway, reload_token=token, background_poll=True)
    from ..asgi import settle_process, with_worker_header

    if server.worker_header:
        app = with_worker_header(app)
    settle_process()
    from ..http.read_timeouts import with_read_timeouts
    from ..realtime.shutdown import server as realtime_server

    protocol = with_read_timeouts(config.header_timeout, config.body_timeout)  # uvicorn has neither
    # Stopping ends SSE streams and WebSockets first (uvicorn would wait for open streams forever),
    # then in-flight requests get server.shutdown_timeout seconds, then the lifespan shutdown.
    server_ = realtime_server(uvicorn.Config(app, lifespan="on", log_level="info", access_log=server.access_log,
                                             loop="auto", http=protocol,
                                             timeout_graceful_shutdown=server.shutdown_timeout), inner)
    server_.run(sockets=[sock])
    return 0


def bind(server: Any) -> Any:
    """The listening socket, bound here so that --port 0 can print the port it got; None after a
    printed failure."""
    import socket

    family = socket.AF_INET6 if ":" in server.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # uvicorn sets TCP_NODELAY only on sockets it binds itself; accepted connections inherit
    # it from the listener, and without it small responses wait ~40 ms (Nagle + delayed ACK).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((server.host, server.port))
    except OSError as exc:
        sock.close()
        fail("serve", f"cannot listen on {server.host}:{server.port}: {exc.strerror}")
        return None
    # Listening before the URL is printed: a client that connects at once waits in the backlog until
    # uvicorn accepts, instead of being refused while the server starts.
    sock.listen(2048)
    host, port = sock.getsockname()[:2]
    shown_host = f"[{host}]" if family == socket.AF_INET6 else host
    print(f"bff: GraphQL endpoint at http://{shown_host}:{port}/graphql", flush=True)
    return sock


def _reload_token(reference: str | None) -> str | None:
    if not reference:
        return None
    from bff_common.secrets import SecretResolver

    return SecretResolver().resolve(reference)
