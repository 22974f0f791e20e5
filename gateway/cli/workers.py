"""`bff serve --workers N`: N processes accepting on one socket, under uvicorn's supervisor.

The parent binds the socket (so `--port 0` prints the port), checks the settings,
and supervises: each worker is a spawned process that loads the same settings
(gateway.asgi.GatewayApp: the file path and flags travel, nothing else), builds
its own gateway, follows the registry and flushes its usage counts at shutdown.
A worker that dies is replaced (uvicorn logs "Child process [PID] died"); one that
cannot start stops them all, and `bff serve` exits 2.
"""

from __future__ import annotations

from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from .parsing import fail


class WorkerConfig(uvicorn.Config):
    """uvicorn's Config, pickled to each worker with the read-timeout protocol rebuilt there
    (gateway.http.read_timeouts makes a class per setting, which does not pickle)."""

    def __init__(self, app: Any, *, header_timeout: float, body_timeout: float, **kwargs: Any) -> None:
        self.read_timeouts = (header_timeout, body_timeout)
        super().__init__(app, **kwargs)
        self.http = _protocol(self.read_timeouts)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["http"] = "auto"
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.http = _protocol(self.read_timeouts)


def _protocol(timeouts: tuple[float, float]) -> type:
    from ..http.read_timeouts import with_read_timeouts

    return with_read_timeouts(*timeouts)  # uvicorn has neither timeout


def serve_workers(config_path: str | None, given: list[tuple[str, Any, str]], sock: Any, server: Any,
                  config: Any) -> int:
    """Supervise `server.workers` processes serving on `sock` (bound and listening) until SIGTERM/SIGINT."""
    from uvicorn.supervisors import Multiprocess

    from ..asgi import GatewayApp
    # On SIGTERM/SIGINT each worker stops accepting, lets in-flight requests finish (at most
    # server.shutdown_timeout seconds), then runs the lifespan shutdown (usage flushed, pools closed).
    uv_config = WorkerConfig(GatewayApp(config_path, given), header_timeout=config.header_timeout,
                             body_timeout=config.body_timeout, workers=server.workers, lifespan="on",
                             log_level="info", access_log=server.access_log, loop="auto",
                             timeout_graceful_shutdown=server.shutdown_timeout)
    supervisor = Multiprocess(uv_config, sockets=[sock])
    supervisor.run()
    if any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes):
        return fail("serve", "a worker could not start (its log lines are above); all workers were stopped")
    return 0
