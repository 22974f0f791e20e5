"""Registry stores: open one from a URL (`sqlite:///PATH`, `dynamodb://TABLE?...`)."""

from __future__ import annotations

from .base import Store, StoreError, StoreUnavailable, VersionConflict

__all__ = ["Store", "StoreError", "StoreUnavailable", "VersionConflict", "open_store"]

DEFAULT_URL = "sqlite:///.bff/registry.db"


def open_store(url: str) -> Store:
    """The store a registry URL names; ValueError for a URL of no known kind."""
    if url.startswith("sqlite://"):
        from .sqlite import SqliteStore

        return SqliteStore.from_url(url)
    if url.startswith("dynamodb://"):
        from .dynamodb import DynamoDBStore

        return DynamoDBStore.from_url(url)
    raise ValueError(f"unknown registry {url!r}: use sqlite:///PATH, dynamodb://TABLE or the HTTP API's http(s):// URL")
