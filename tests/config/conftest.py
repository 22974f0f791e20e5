"""Helpers for the configuration tests: a real `bff serve --config` process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
SUPERGRAPH = ROOT / "services" / "supergraph.graphql"


def bff(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """`bff ARGS` as a user runs it (a clean BFF_* environment plus `env`)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")}
    return subprocess.run([sys.executable, "-m", "gateway", *args], capture_output=True, text=True, cwd=cwd,
                          env={**base, **(env or {})}, timeout=60)


@contextmanager
def serving(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`bff serve ARGS --port 0` running; yields its /graphql URL; stopped (by its pid) on exit."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")}
    proc = subprocess.Popen([sys.executable, "-m", "gateway", "serve", *args, "--port", "0"], cwd=ROOT,
                            env={**base, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        assert "GraphQL endpoint at" in line, (line, proc.stderr.read() if proc.poll() is not None else "")  # type: ignore[union-attr]
        url = line.strip().rsplit(" ", 1)[-1]
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(url.replace("/graphql", "/health"), timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "bff serve did not become healthy"
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
