"""Fixtures for the registry tests: a store of each kind, fresh per test."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from discovery.store.base import Store
from tests.support.dynamodb_local import dynamodb_local  # noqa: F401  (session fixture)

STORE_KINDS = ["sqlite", "dynamodb"]


def store_url(kind: str, tmp_path, endpoint: str | None) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path}/registry.db?create=1"
    return f"dynamodb://t{uuid.uuid4().hex[:12]}?endpoint={endpoint}&region=us-east-1&create=1"


@pytest.fixture(params=STORE_KINDS)
def registry_url(request, tmp_path) -> str:
    """A registry URL of each kind, empty, for this test only."""
    endpoint = request.getfixturevalue("dynamodb_local") if request.param == "dynamodb" else None
    return store_url(request.param, tmp_path, endpoint)


@pytest.fixture
def store(registry_url: str) -> Iterator[Store]:
    from discovery.store import open_store

    s = open_store(registry_url)
    try:
        yield s
    finally:
        s.close()

