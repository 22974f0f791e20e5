"""`bff serve --workers N`: N processes accepting on one socket, under uvicorn's supervisor.

The parent binds the socket (so `--port 0` prints the port), checks the settings,
and supervises: each worker is a spawned process that loads the same settings
(gateway.asgi.GatewayApp: the file path and flags travel, nothing else), builds
its own gateway, follows the registry and flushes its usage counts at shutdown.
A worker that dies is replaced (uvicorn logs "Child process [PID] died"); one that
cannot start stops them all, and `bff serve` exits 2. On SIGTERM each worker ends
its SSE streams and WebSockets first (realtime/shutdown.py, as the single process
does), so open subscriptions do not hold it until the grace period runs out.
"""

from __future__ import annotations

import logging
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Multiprocess, Process

from .parsing import fail

logger = logging.getLogger("uvicorn.error")  # where uvicorn's supervisor logs


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


class _Worker(Process):
    """uvicorn's worker process running the server that ends the real-time streams first."""

    def target(self, sockets: Any = None) -> None:
        # Made before uvicorn's health-check thread starts: that thread and this one both read
        # `self.server`, and a lazily made server could be made twice, the checked one never starting.
        from ..realtime.shutdown import server

        self._server = server(self.config, self.config.app)  # the app: this worker's GatewayApp
        super().target(sockets)

    @property
    def server(self) -> uvicorn.Server:
        assert self._server is not None, "made by target() in the worker process"
        return self._server


class _Supervisor(Multiprocess):
    """uvicorn's supervisor with `_Worker` processes. uvicorn creates its `Process` in these three
    methods and offers no hook, so they are uvicorn 0.54's with only that class changed."""

    def init_processes(self) -> None:
        for _ in range(self.processes_num):
            process = _Worker(self.config, self.sockets)
            process.start()
            self.processes.append(process)

    def restart_all(self) -> None:  # SIGHUP: replace each worker, the new one ready before the old one stops
        for idx, old_process in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new_process = _Worker(self.config, self.sockets)
            new_process.start()
            if not new_process.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new_process.kill()
                new_process.join()
                if not self.should_exit.is_set():
                    logger.error("New child process [%s] was not ready in time; keeping worker [%s] and aborting "
                                 "the restart.", new_process.pid, old_process.pid)
                return
            old_process.terminate()
            old_process.join()
            self.processes[idx] = new_process

    def keep_subprocess_alive(self) -> None:
        if self.should_exit.is_set():
            return
        for idx, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()  # hung: killed
            process.join()
            if process.exitcode == STARTUP_FAILURE:  # would fail the same way on every restart
                logger.error("Child process [%s] failed to start, stopping the parent process.", process.pid)
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            logger.info("Child process [%s] died", process.pid)
            process = _Worker(self.config, self.sockets)
            process.start()
            self.processes[idx] = process


def serve_workers(config_path: str | None, given: list[tuple[str, Any, str]], sock: Any, server: Any,
                  config: Any) -> int:
    """Supervise `server.workers` processes serving on `sock` (bound and listening) until SIGTERM/SIGINT."""
    from ..asgi import GatewayApp
    # On SIGTERM/SIGINT each worker ends its SSE streams and WebSockets (1001), stops accepting, lets
    # in-flight requests finish (at most server.shutdown_timeout seconds), then runs the lifespan
    # shutdown (usage flushed, pools closed).
    uv_config = WorkerConfig(GatewayApp(config_path, given), header_timeout=config.header_timeout,
                             body_timeout=config.body_timeout, workers=server.workers, lifespan="on",
                             log_level="info", access_log=server.access_log, loop="auto",
                             timeout_graceful_shutdown=server.shutdown_timeout)
    supervisor = _Supervisor(uv_config, sockets=[sock])
    supervisor.run()
    if any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes):
        return fail("serve", "a worker could not start (its log lines are above); all workers were stopped")
    return 0
