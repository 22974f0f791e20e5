"""Real clients for the real-time tests: the npm `graphql-ws` and `graphql-sse` clients (tests/node/realtime/),
each a child process printing one JSON line per happening, and `bff serve` as a child process.

    with node_client("ws-client.mjs", {"url": ws_url, "subscriptions": [{"query": ...}]}) as client:
        client.wait_for(lambda e: e["event"] == "connected")
        event = client.wait_for(lambda e: e.get("event") == "next")
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = ROOT / "tests" / "node"


class NodeClient:
    def __init__(self, script: str, spec: dict[str, Any]) -> None:
        self.proc = subprocess.Popen(["node", f"realtime/{script}", json.dumps(spec)], cwd=NODE_DIR,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self._taken: set[int] = set()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with contextlib.suppress(ValueError):
                self.lines.put(json.loads(line))

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0) -> dict[str, Any]:
        """The first line not returned before that matches `predicate`, waiting for it if need be."""
        for i, line in enumerate(self.seen):
            if i not in self._taken and predicate(line):
                self._taken.add(i)
                return line
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                stderr = ""
                if self.proc.poll() is not None and self.proc.stderr is not None:
                    stderr = self.proc.stderr.read()
                raise AssertionError(f"no matching line within {timeout}s; seen: {self.seen}; stderr: {stderr}")
            try:
                line = self.lines.get(timeout=min(remaining, 0.1))
            except queue.Empty:
                continue
            self.seen.append(line)
            if predicate(line):
                self._taken.add(len(self.seen) - 1)
                return line

    def events(self, sub: int) -> list[dict[str, Any]]:
        return [e for e in self.seen if e.get("sub") == sub]

    def send(self, command: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(Exception):
                self.proc.stdin.close()  # type: ignore[union-attr]
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@contextlib.contextmanager
def node_client(script: str, spec: dict[str, Any]) -> Iterator[NodeClient]:
    client = NodeClient(script, spec)
    try:
        yield client
    finally:
        client.close()


class BffServe:
    """`bff serve` in a child process on a free loopback port."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "gateway", "serve", "--port", "0", *args], cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env={**os.environ, **(env or {})})
        self.output: list[str] = []
        self.url = self._wait_url()
        threading.Thread(target=self._drain, daemon=True).start()

    def _wait_url(self, timeout: float = 30.0) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.output.append(line)
            found = re.search(r"(http://\S+/graphql)", line)
            if found:
                return found.group(1)
        raise AssertionError("bff serve did not start: " + "".join(self.output))

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)

    @property
    def ws_url(self) -> str:
        return "ws://" + self.url[len("http://"):]

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode
