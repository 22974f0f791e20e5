"""Shared pieces of the operator tests: a real plain subgraph, its composed supergraph, free ports."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HELLO = "type Query { hello: String }"
WORLD = "type Query { world: String }"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def registry(tmp_path):
    from discovery.client import open_registry

    return open_registry(f"sqlite:///{tmp_path}/registry.db", create=True)


def publish(registry, name: str, url: str, sdl: str) -> int:
    from discovery.registry import PublishRequest

    outcome = registry.publish(PublishRequest(name, url, sdl, "test"))
    assert outcome.ok, outcome.problems
    return outcome.version
