"""Node peers for the conformance suite: @apollo/subgraph services and an
@apollo/gateway reference instance, each a child process on a free loopback port.

    peer = start_node_subgraph("keys_catalog.mjs")      # tests/node/subgraphs/<file>
    peer.url          -> "http://127.0.0.1:<port>/graphql"
    peer.stop()

    gw = start_apollo_gateway(supergraph_sdl)           # differential reference
    gw.url ...

Peers print "LISTENING <port>" when ready; they exit when stopped or when the
test process dies (their stdin closes). `node_subgraph` / `apollo_gateway` are
context managers for fixtures.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = ROOT / "tests" / "node"
SUBGRAPHS_DIR = NODE_DIR / "subgraphs"


class NodePeerError(RuntimeError):
    pass


class NodePeer:
    def __init__(self, args: list[str], name: str, timeout: float = 60.0, wait: bool = True) -> None:
        """Spawns the process; with wait=False call `wait_ready()` before using `url`
        (lets several peers start at once)."""
        self.name = name
        self.timeout = timeout
        self.port: int | None = None
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            ["node", *args],
            cwd=NODE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env={**os.environ, "NODE_ENV": "test"},
        )
        if wait:
            self.wait_ready()

    def wait_ready(self) -> NodePeer:
        if self.port is None:
            try:
                self.port = self._wait_ready(self.timeout)
            finally:
                self._remove_file()
        return self

    def _remove_file(self) -> None:
        file = getattr(self, "_supergraph_file", None)
        if file:
            with contextlib.suppress(OSError):
                os.unlink(file)

    @property
    def base_url(self) -> str:
        self.wait_ready()
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base_url}/graphql"

    def _stderr_text(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-4000:]

    def _wait_ready(self, timeout: float) -> int:
        assert self.proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        buf = b""
        try:
            while time.monotonic() < deadline:
                if not sel.select(timeout=0.2):
                    if self.proc.poll() is not None:
                        break
                    continue
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                buf += chunk
                for line in buf.decode(errors="replace").splitlines():
                    if line.startswith("LISTENING "):
                        return int(line.split()[1])
        finally:
            sel.close()
        stderr = self._stderr_text()  # before stop() closes the file
        self.stop()
        raise NodePeerError(f"node peer {self.name} did not start in {timeout:.0f} s:\n{buf.decode(errors='replace')}\n"
                            f"{stderr}")

    def stop(self) -> None:
        self._remove_file()
        proc = self.proc
        if proc.poll() is None:
            with contextlib.suppress(Exception):
                proc.stdin.close()  # type: ignore[union-attr]
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        for stream in (proc.stdin, proc.stdout):
            with contextlib.suppress(Exception):
                stream.close()  # type: ignore[union-attr]
        with contextlib.suppress(Exception):
            self._stderr.close()


def start_node_subgraph(module: str, name: str | None = None, wait: bool = True) -> NodePeer:
    path = Path(module)
    if not path.is_absolute():
        path = SUBGRAPHS_DIR / module
    if not path.exists():
        raise FileNotFoundError(path)
    return NodePeer([str(SUBGRAPHS_DIR / "serve.mjs"), str(path), "0"], name or path.stem, wait=wait)


def start_apollo_gateway(supergraph_sdl: str, wait: bool = True) -> NodePeer:
    fd, file = tempfile.mkstemp(prefix="supergraph-", suffix=".graphql")
    with os.fdopen(fd, "w") as f:
        f.write(supergraph_sdl)
    peer = NodePeer([str(NODE_DIR / "apollo-gateway.mjs"), file, "0"], "apollo-gateway", timeout=60, wait=False)
    peer._supergraph_file = file  # removed once the gateway has read it (it is ready)
    if wait:
        peer.wait_ready()
    return peer


@contextlib.contextmanager
def node_subgraph(module: str, name: str | None = None) -> Iterator[NodePeer]:
    peer = start_node_subgraph(module, name)
    try:
        yield peer
    finally:
        peer.stop()


@contextlib.contextmanager
def apollo_gateway(supergraph_sdl: str) -> Iterator[NodePeer]:
    peer = start_apollo_gateway(supergraph_sdl)
    try:
        yield peer
    finally:
        peer.stop()
