"""The importable ASGI app: `uvicorn gateway.asgi:app`, gunicorn's UvicornWorker, any ASGI server.

Configured exactly like `bff serve`: the bff.yaml at BFF_CONFIG, then the BFF_*
environment (gateway/config). Nothing is read at import: the settings are
loaded and the gateway built at lifespan startup (or on the first request when
the server runs no lifespan), so `--reload` re-reads the file, a bad file fails
the server's startup with every problem listed, and each worker process of a
multi-process server builds its own gateway, follows the registry and flushes
its usage counts on shutdown.

`bff serve --workers N` runs N of these apps on one socket (gateway/serve_workers.py);
the app object pickles as its settings (file path and flags) for that.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config.build import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Flag = tuple[str, Any, str]  # (key path in bff.yaml, value, where it came from), as config.load takes them

logger = logging.getLogger("bff.asgi")

WORKER_HEADER = b"x-bff-worker"


class GatewayApp:
    """An ASGI app that loads its settings and builds the gateway when the server starts it.

    `config_path` overrides BFF_CONFIG; `flags` override the file and the environment
    (what `bff serve`'s command-line flags become). Picklable: only those two travel.
    """

    def __init__(self, config_path: str | None = None, flags: Sequence[Flag] = ()) -> None:
        self.config_path = config_path
        self.flags = tuple(tuple(f) for f in flags)
        self._app: ASGIApp | None = None
        self._http: Any = None  # the gateway's HTTP app under any wrappers: it holds the real-time streams
        self._lock: asyncio.Lock | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"config_path": self.config_path, "flags": self.flags}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["config_path"], state["flags"])  # type: ignore[misc]

    async def close_streams(self) -> None:
        """End every SSE stream and WebSocket (1001) now: a stopping server calls this before it waits
        for responses in progress, which open streams otherwise are until the grace period ends."""
        if self._http is not None:
            await self._http.close_streams()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self._app
        if app is not None:
            await app(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
        elif scope["type"] == "http":
            app = await self._build_once()  # a server without lifespan: built by the first request
            if app is None:
                await _unavailable(send)
            else:
                await app(scope, receive, send)

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        if message["type"] != "lifespan.startup":
            await send({"type": "lifespan.shutdown.complete"})
            return
        try:
            app, self._http = await _build(self.config_path, self.flags)
        except Exception as exc:
            logger.error("bff: the gateway did not start: %s", exc, exc_info=not _is_config_error(exc))
            await send({"type": "lifespan.startup.failed", "message": f"{type(exc).__name__}: {exc}"})
            return
        self._app = app
        replayed = False

        async def replay() -> Message:  # the inner app sees the startup message we already took
            nonlocal replayed
            if not replayed:
                replayed = True
                return message
            return await receive()

        await app(scope, replay, send)

    async def _build_once(self) -> ASGIApp | None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._app is None:
                try:
                    self._app, self._http = await _build(self.config_path, self.flags)
                except Exception as exc:
                    logger.error("bff: the gateway did not start: %s", exc, exc_info=not _is_config_error(exc))
        return self._app


async def build_app(config_path: str | None = None, flags: Sequence[Flag] = (), *,
                    current: Settings | None = None) -> ASGIApp:
    """Settings loaded (ConfigError lists every problem), the gateway built, the HTTP app around it:
    registry following with its background poller and POST /admin/reload when `supergraph.registry` is set."""
    return (await _build(config_path, flags, current=current))[0]


async def _build(config_path: str | None = None, flags: Sequence[Flag] = (), *,
                 current: Settings | None = None) -> tuple[ASGIApp, Any]:
    """build_app's app and the HTTP app inside it (whose close_streams() ends the real-time streams)."""
    from .logs import operator_logging

    operator_logging()  # the graph loaded, subgraph failures: INFO/WARNING on "bff.*" (logs.py)
    if current is None:
        from .config.build import settings

        current = settings(config_path, flags=flags)
    config, source, server = current.gateway, current.supergraph, current.server
    from .auth.authenticate import Authenticator
    from .http import create_app

    auth = Authenticator.configured(current.auth)
    app: ASGIApp
    if source.registry:
        from discovery import open_registry

        from .supergraph_source import GatewaySwitch, gateway_builder, with_registry

        switch = await GatewaySwitch.start(open_registry(source.registry), gateway_builder(config),
                                           fallback_path=source.fallback_file or source.file,
                                           fallback_services=source.fallback_services,
                                           poll_interval=source.poll_interval or 10.0)
        token = None
        if source.reload_token:
            from bff_common.secrets import SecretResolver

            token = SecretResolver().resolve(source.reload_token)
        # The switch serves as a Gateway does (http/served.py), as under `bff serve --registry`.
        http = create_app(switch, config, auth=auth)
        app = with_registry(http, switch, reload_token=token, background_poll=True)
    elif source.file:
        from .cli.plan import load_gateway

        # An unreadable or broken supergraph is an InputError with one line, as under `bff serve`.
        app = http = create_app(load_gateway(source.file, config), config, auth=auth)
    else:
        from .config.errors import ConfigError, Problem

        raise ConfigError([Problem(("supergraph",), "set supergraph.file or supergraph.registry (BFF_SUPERGRAPH / "
                                   "BFF_REGISTRY)")])
    if getattr(server, "worker_header", False):
        app = with_worker_header(app)
    settle_process()
    return app, http


def settle_process() -> None:
    """Once the gateway is built, before serving: the process-wide settings `bff serve` runs with."""
    import gc
    import sys

    # The schema, supergraph and planner live as long as the process: keep them out of every
    # garbage collection (each full collection would scan them again; measured 27 ms here).
    gc.collect()
    gc.freeze()
    # Big new documents are prepared in a worker thread (gateway.py); a 1 ms GIL switch interval
    # (5 ms by default) lets the event loop in sooner, so /health and cached requests wait less
    # (measured with tests/hardening/attack_load.py: loaded /health p50 17 -> 7-12 ms).
    sys.setswitchinterval(0.001)


def with_worker_header(app: ASGIApp) -> ASGIApp:
    """Every HTTP response says which process answered (`x-bff-worker: PID`): for checking how a
    multi-process server spreads its load. Off by default (`server.worker_header`)."""
    value = str(os.getpid()).encode()

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await app(scope, receive, send)

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = [*message.get("headers", ()), (WORKER_HEADER, value)]
            await send(message)

        await app(scope, receive, tagged)

    return wrapped


async def _unavailable(send: Send) -> None:
    import orjson

    body = orjson.dumps({"errors": [{"message": "The gateway is not ready.",
                                     "extensions": {"code": "SERVICE_UNAVAILABLE"}}]})
    await send({"type": "http.response.start", "status": 503,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _is_config_error(exc: Exception) -> bool:
    """Errors the user fixes in the settings (logged as their message, no traceback)."""
    return type(exc).__name__ in ("ConfigError", "InputError", "SupergraphUnavailable")


# `uvicorn gateway.asgi:app`: settings from BFF_CONFIG and the BFF_* environment.
app = GatewayApp()
