"""Run an ASGI app on a real loopback port for the length of a test.

    with serve_in_thread(app) as server:          # port 0: a free port
        httpx.post(server.graphql_url, json={"query": "{ users { id } }"})

    with serve_in_thread(app, port=4101) as server: ...   # a fixed port

uvicorn runs in a daemon thread with its own event loop; the context manager
returns once GET /health answers 200 (or, with `health_path=None`, once the
server is accepting connections), and stops the server on exit. The socket is
bound before the thread starts, so `server.port` is known and a busy port fails
in the caller with OSError.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn


@dataclass(frozen=True)
class RunningServer:
    host: str
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"


class ServerStartError(RuntimeError):
    pass


def wait_for_health(url: str, timeout: float = 10.0) -> None:
    """Poll `url` until it answers 200; ServerStartError with the last outcome if it never does."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, timeout=1.0)
            if response.status_code == 200:
                return
            last = f"HTTP {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.02)
    raise ServerStartError(f"{url} did not answer 200 within {timeout}s ({last})")


@contextlib.contextmanager
def serve_in_thread(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    health_path: str | None = "/health",
    timeout: float = 10.0,
    lifespan: str = "auto",
) -> Iterator[RunningServer]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this on Linux; without it each small response waits ~40 ms (Nagle + delayed ACK).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    running = RunningServer(host, sock.getsockname()[1])
    config = uvicorn.Config(app, log_level="warning", lifespan=lifespan, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"asgi-{running.port}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise ServerStartError(f"server on {running.base_url} did not start")
            time.sleep(0.01)
        if health_path is not None:
            wait_for_health(running.base_url + health_path, max(deadline - time.monotonic(), 1.0))
        yield running
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
