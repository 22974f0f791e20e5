"""`bff dev`: the four example services and a gateway over them, in one process.

Everything runs as uvicorn servers in one asyncio loop, on sockets this module
binds itself first: a busy port is reported before anything starts, and `--port 0`
/ `--services-port-base 0` pick free ports. One signal handler stops all
servers (gateway first, so its in-flight requests finish against live
services); a second Ctrl-C forces the exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import json
import os
import secrets
import signal
import socket
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from services.catalog import DEFAULT_PORT_BASE, SERVICES

from .config import GatewayConfig
from .gateway import Gateway
from .graph_log import FILE, file_version, graph_loaded
from .http.asgi import ASGIApp, create_app

ROOT = Path(__file__).resolve().parents[1]
SUPERGRAPH_PATH = ROOT / "services" / "supergraph.graphql"
# The dev configuration: every section of bff.yaml, commented (docs/configuration.md).
DEV_CONFIG = ROOT / "examples" / "bff.yaml"
READY_TIMEOUT = 20.0

# Crosses all four services: courses -> accounts (instructor), enrollments
# (enrollmentCount) and reviews (averageRating, and ratingSummary, which
# @requires the title from courses).
SAMPLE_QUERY = "{ courses { title instructor { name } enrollmentCount averageRating ratingSummary } }"
# The subscription the banner shows, and the mutation that makes it fire.
SUBSCRIPTION_QUERY = 'subscription { reviewAdded(courseId: "c1") { rating body author { name } course { title } } }'
REVIEW_MUTATION = 'mutation { addReview(courseId: "c1", authorId: "u2", rating: 5, body: "Loved it") { id } }'

# The same query, as GraphiQL opens with it.
IDE_QUERY = """# Courses with data from all four services: courses, accounts, enrollments, reviews.
{
  courses {
    title
    instructor {
      name
    }
    enrollmentCount
    averageRating
    ratingSummary
  }
}
"""


class DevError(Exception):
    """A problem the user can fix (busy port, missing file): printed without a traceback."""


@dataclass
class _Listener:
    name: str
    sock: socket.socket
    server: "_Server | None" = None
    task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        port: int = self.sock.getsockname()[1]
        return port


def main(argv: list[str] | None = None) -> int:
    """Run the dev stack until Ctrl-C; returns the exit code."""
    args = _parser().parse_args(argv)
    from .logs import operator_logging

    operator_logging()  # the graph loaded, subgraph failures: INFO/WARNING on "bff.*" (logs.py)
    from .config.build import settings
    from .config.errors import ConfigError

    flags = [(key, getattr(args, name), f"--{name}") for name, key in (("host", "server.host"), ("port", "server.port"))
             if getattr(args, name) is not None]
    try:
        args.settings = settings(args.config, flags=flags, dev=True)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            print(f"bff dev: error: {line}", file=sys.stderr)
        return 2
    args.host, args.port = args.settings.server.host, args.settings.server.port
    try:
        return asyncio.run(_run(args))
    except DevError as exc:
        print(f"bff dev: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C before our handler was installed
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bff dev", allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Start the four example services and a gateway over them, configured by --config "
                    "(default examples/bff.yaml: introspection, suggestions and the query page on).",
        epilog="example:\n  bff dev --port 0 --services-port-base 0")
    parser.add_argument("--config", metavar="FILE", default=str(DEV_CONFIG),
                        help="bff.yaml for the gateway (default: examples/bff.yaml); its subgraph URLs are replaced "
                             "by the services started here")
    parser.add_argument("--host", help="interface the gateway binds (default: server.host, 127.0.0.1)")
    parser.add_argument("--port", type=int, help="gateway port; 0 picks a free one (default: server.port, 4000)")
    parser.add_argument(
        "--services-port-base",
        type=int,
        default=DEFAULT_PORT_BASE,
        help=f"first of four consecutive loopback ports for the services; 0 picks free ones (default: {DEFAULT_PORT_BASE})",
    )
    parser.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    return parser


async def _run(args: argparse.Namespace) -> int:
    with _bound_sockets(args) as listeners:
        *service_listeners, gateway_listener = listeners
        # Development services: introspection and suggestions on, unsigned requests run as anonymous.
        os.environ.setdefault("BFF_SERVICE_DEV", "1")
        # The gateway signs each caller's identity for the services with a secret of this run only.
        secret = secrets.token_urlsafe(32)
        apps = {s.name: s.create_app(identity_secret=secret) for s in SERVICES}
        apps[gateway_listener.name] = _gateway_app(args, {l.name: f"http://127.0.0.1:{l.port}/graphql" for l in service_listeners},
                                                   secret)
        for listener in listeners:
            is_gateway = listener is gateway_listener
            listener.server = _Server(
                uvicorn.Config(
                    apps[listener.name],
                    log_level=args.log_level,
                    access_log=args.log_level in ("info", "debug"),
                    lifespan="on" if is_gateway else "auto",
                )
            )

        stop = asyncio.Event()
        _install_signal_handlers(stop, listeners)
        for listener in listeners:
            listener.task = asyncio.create_task(_serve(listener), name=f"bff-dev-{listener.name}")
        try:
            await _wait_ready(listeners, stop)
            if not stop.is_set():
                _print_banner(service_listeners, gateway_listener)
                await _wait_stop(listeners, stop)
        finally:
            await _shutdown(listeners)

        failed = [l for l in listeners if l.task is not None and l.task.done() and not l.task.cancelled() and l.task.exception()]
        for listener in failed:
            print(f"bff dev: {listener.name} stopped: {_task_outcome(listener.task)}", file=sys.stderr)  # type: ignore[arg-type]
        return 1 if failed else 0


def _gateway_app(args: argparse.Namespace, subgraph_urls: dict[str, str], identity_secret: str) -> ASGIApp:
    """The gateway over services/supergraph.graphql as --config sets it (examples/bff.yaml: the example
    graph's @policy rules too), its subgraph URLs pointed at the ports we bound and the identity signed
    with this run's secret (the services were given the same)."""
    config: GatewayConfig = args.settings.gateway
    config.subgraph_urls = {**config.subgraph_urls, **subgraph_urls}
    config.identity_secret = identity_secret
    if config.ide_default_query is None:
        config.ide_default_query = IDE_QUERY
    path = Path(args.settings.supergraph.file or SUPERGRAPH_PATH)
    try:
        supergraph = path.read_text()
    except OSError as exc:
        raise DevError(f"cannot read {path}: {exc.strerror}") from None
    try:
        gateway = Gateway(supergraph, config)
        graph_loaded(gateway, version=file_version(supergraph), source=f"{FILE} {path}")
    except Exception as exc:
        if args.log_level == "debug":
            traceback.print_exc()
        raise DevError(f"cannot build the gateway from {path.name}: {type(exc).__name__}: {exc}") from None
    from .auth.authenticate import Authenticator

    # Local development: anonymous requests allowed unless security.jwt / BFF_JWT_* says otherwise.
    return create_app(gateway, config, auth=Authenticator.configured(args.settings.auth))


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signals to `bff dev` (uvicorn's own handler would stop only itself)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def shutdown(self, sockets: Any = None) -> None:
        # The gateway ends its SSE streams and WebSockets first: uvicorn would wait for open streams.
        close = getattr(self.config.app, "close_streams", None)
        if close is not None:
            await close()
        await super().shutdown(sockets)


@contextlib.contextmanager
def _bound_sockets(args: argparse.Namespace) -> Iterator[list[_Listener]]:
    wanted = [
        (s.name, "127.0.0.1", 0 if args.services_port_base == 0 else args.services_port_base + offset)
        for offset, s in enumerate(SERVICES)
    ]
    wanted.append(("gateway", args.host, args.port))
    listeners: list[_Listener] = []
    try:
        for name, host, port in wanted:
            listeners.append(_Listener(name, _bind(name, host, port)))
        yield listeners
    finally:
        for listener in listeners:
            listener.sock.close()


def _bind(name: str, host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # see cli.py: small responses would wait ~40 ms
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        what = "the gateway" if name == "gateway" else f"the {name} service"
        if exc.errno == errno.EADDRINUSE:
            hint = "--port" if name == "gateway" else "--services-port-base"
            raise DevError(
                f"port {port} on {host} is already in use (wanted by {what}). "
                f"Stop whatever listens there, or choose another port with {hint} (0 picks a free one)."
            ) from None
        raise DevError(f"cannot listen on {host}:{port} for {what}: {exc.strerror or exc}") from None
    return sock


async def _serve(listener: _Listener) -> None:
    assert listener.server is not None, listener.name  # set before its task is created
    try:
        await listener.server.serve(sockets=[listener.sock])
    except SystemExit:
        # uvicorn exits the process when an app's startup fails; here it only ends this server.
        raise RuntimeError("startup failed (see the log above)") from None


def _install_signal_handlers(stop: asyncio.Event, listeners: list[_Listener]) -> None:
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        if stop.is_set():  # second Ctrl-C: don't wait for open connections
            for listener in listeners:
                if listener.server is not None:
                    listener.server.force_exit = True
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows, non-main thread
            loop.add_signal_handler(sig, on_signal)


async def _wait_ready(listeners: list[_Listener], stop: asyncio.Event) -> None:
    """Return once every server answers GET /health with 200; DevError if one dies or time runs out."""
    pending = {l.name: f"http://{_loopback(l.sock)}:{l.port}/health" for l in listeners}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + READY_TIMEOUT
    async with httpx.AsyncClient(timeout=2.0) as client:
        while pending and not stop.is_set():
            for listener in listeners:
                if listener.task is not None and listener.task.done():
                    raise DevError(f"{listener.name} stopped while starting: {_task_outcome(listener.task)}")
            for name, url in list(pending.items()):
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(url)).status_code == 200:
                        del pending[name]
            if pending and loop.time() > deadline:
                raise DevError(f"not healthy after {READY_TIMEOUT:.0f}s: {', '.join(pending)}")
            if pending:
                await asyncio.sleep(0.05)


def _loopback(sock: socket.socket) -> str:
    """Where to reach a socket from this machine (a wildcard bind answers on loopback)."""
    host = sock.getsockname()[0]
    if sock.family == socket.AF_INET6:
        return "[::1]" if host == "::" else f"[{host}]"
    return "127.0.0.1" if host == "0.0.0.0" else host


def _task_outcome(task: asyncio.Task[None]) -> str:
    if task.cancelled():
        return "cancelled"
    exc = task.exception()
    return f"{type(exc).__name__}: {exc}" if exc else "exited"


async def _wait_stop(listeners: list[_Listener], stop: asyncio.Event) -> None:
    """Until Ctrl-C, or until any server ends on its own (then the rest stop too)."""
    stopper = asyncio.create_task(stop.wait())
    tasks = [l.task for l in listeners if l.task is not None]
    await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()


async def _shutdown(listeners: list[_Listener]) -> None:
    # Gateway first (it is last in the list), then the services it calls.
    for listener in reversed(listeners):
        if listener.server is None or listener.task is None:
            continue
        listener.server.should_exit = True
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(listener.task), timeout=10)
        if not listener.task.done():
            listener.task.cancel()


def _print_banner(services: list[_Listener], gateway: _Listener) -> None:
    url = f"http://{_loopback(gateway.sock)}:{gateway.port}/graphql"
    body = json.dumps({"query": SAMPLE_QUERY})
    lines = ["bff dev: example services"]
    lines += [f"  {l.name:<12} http://127.0.0.1:{l.port}/graphql" for l in services]
    lines += [
        "",
        f"bff dev: gateway ready at {url} (introspection on)",
        f"bff dev: GraphiQL at {url} (open it in a browser)",
        "",
        "Try a query that crosses all four services:",
        "",
        f"  curl -s {url} -H 'content-type: application/json' \\",
        f"    -d '{body}'",
        "",
        "Watch a course's new reviews live (Server-Sent Events; docs/realtime.md), and post one from another shell:",
        "",
        f"  curl -N {url} -H 'accept: text/event-stream' -H 'content-type: application/json' \\",
        f"    -d '{json.dumps({'query': SUBSCRIPTION_QUERY})}'",
        f"  curl -s {url} -H 'content-type: application/json' \\",
        f"    -d '{json.dumps({'query': REVIEW_MUTATION})}'",
        "",
        "Ctrl-C stops everything.",
    ]
    print("\n".join(lines), flush=True)
