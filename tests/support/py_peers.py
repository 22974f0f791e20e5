"""Python subgraphs for the conformance suite, served over real HTTP.

`RecordingApp(app)` wraps any ASGI GraphQL app (strawberry's `GraphQL(schema)` or
a hand-written one) and records the JSON body of every POST it receives; like
the Node peers it answers GET /__requests with the log and DELETE /__requests
clears it (and calls `on_reset`, so a scenario can restore its seed data).

`serve_asgi(app)` starts an app with uvicorn on a free 127.0.0.1 port in a
background thread; it yields the base URL and stops the server afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any


class RecordingApp:
    def __init__(self, app: Callable, on_reset: Callable[[], Any] | None = None) -> None:
        self.app = app
        self.on_reset = on_reset
        self.log: list[dict] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if scope["path"] == "/__requests":
            if scope["method"] == "DELETE":
                self.log.clear()
                if self.on_reset:
                    self.on_reset()
            body = json.dumps(self.log).encode()
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body})
            return
        if scope["method"] != "POST":
            return await self.app(scope, receive, send)

        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        raw = b"".join(chunks)
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            self.log.append(
                {"query": parsed.get("query"), "variables": parsed.get("variables"), "operationName": parsed.get("operationName")}
            )
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port_url() -> str:
    """A loopback URL nobody listens on (for 'subgraph down' scenarios)."""
    return f"http://127.0.0.1:{free_port()}/graphql"


@contextlib.contextmanager
def serve_asgi(app: Callable, timeout: float = 15.0) -> Iterator[str]:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted sockets
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False, timeout_keep_alive=30)
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]

    def run() -> None:
        asyncio.run(server.serve(sockets=[sock]))

    thread = threading.Thread(target=run, name=f"asgi-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"ASGI server on port {port} did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
