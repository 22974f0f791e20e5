"""A real subgraph (strawberry over uvicorn) and real gateway processes launched as users launch them:
`uvicorn gateway.asgi:app`, `bff serve --workers N`."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import strawberry
from strawberry.asgi import GraphQL
from strawberry.federation import Schema

from tests.support.asgi_server import serve_in_thread
from tests.support.compose import compose

ROOT = Path(__file__).resolve().parents[2]


class Counter:
    """How many `slow` fields the subgraph has started and finished (to know requests are in flight)."""

    def __init__(self) -> None:
        self.started = 0
        self.finished = 0
        self.lock = threading.Lock()


COUNTER = Counter()


@strawberry.federation.type(keys=["id"])
class Course:
    id: strawberry.ID
    title: str


@strawberry.type
class Query:
    @strawberry.field
    def course(self, id: strawberry.ID) -> Course | None:
        return Course(id=id, title=f"Course {id}")

    @strawberry.field
    async def slow(self, ms: int) -> int:
        with COUNTER.lock:
            COUNTER.started += 1
        await asyncio.sleep(ms / 1000)
        with COUNTER.lock:
            COUNTER.finished += 1
        return ms


SCHEMA = Schema(query=Query, federation_version="2.7")


@pytest.fixture(scope="session")
def supergraph_file(tmp_path_factory) -> Iterator[Path]:
    if not shutil.which("node") or not (ROOT / "tests/node/node_modules").is_dir():
        from tests.support.requires import missing

        missing("node and tests/node/node_modules are needed; run scripts/test")
    with serve_in_thread(GraphQL(SCHEMA), health_path=None) as subgraph:
        path = tmp_path_factory.mktemp("scale") / "supergraph.graphql"
        path.write_text(compose([{"name": "catalog", "url": subgraph.graphql_url, "sdl": SCHEMA.as_str()}]))
        yield path


def clean_env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")}
    return {**base, "PYTHONUNBUFFERED": "1", **extra}


class Process:
    """A server process and its combined output, read by a thread (so a chatty server never blocks)."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, start_new_session=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 60.0) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.output)
            if match:
                return match
            if self.proc.poll() is not None:
                self._reader.join(2)
                match = re.search(pattern, self.output)
                if match:
                    return match
                raise AssertionError(f"exited {self.proc.returncode} before {pattern!r}:\n{self.output}")
            time.sleep(0.05)
        raise AssertionError(f"no {pattern!r} within {timeout}s:\n{self.output}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: only what this test started
                self.proc.wait(5)
        self._reader.join(2)
        return self.proc.returncode


def wait_healthy(base: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{base}/health never answered 200")


@contextmanager
def running(argv: list[str], env: dict[str, str], url_pattern: str) -> Iterator[tuple[str, Process]]:
    """The process started; yields (base URL, process) once /health answers 200; stopped afterwards."""
    process = Process(argv, env)
    try:
        base = process.wait_for(url_pattern).group(1)
        wait_healthy(base)
        yield base, process
    finally:
        process.stop()


def uvicorn_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "gateway.asgi:app", "--host", "127.0.0.1", "--port", "0", *args]


UVICORN_URL = r"Uvicorn running on (http://127\.0\.0\.1:\d+)"
BFF_URL = r"GraphQL endpoint at (http://127\.0\.0\.1:\d+)/graphql"


def bff_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "gateway", "serve", "--port", "0", *args]
