"""Registry stores: open one from a URL (`sqlite:///PATH`, `dynamodb://TABLE?...`)."""

from __future__ import annotations

from .base import RegistryNotFound, Store, StoreError, StoreUnavailable, VersionConflict

__all__ = ["RegistryNotFound", "Store", "StoreError", "StoreUnavailable", "VersionConflict", "open_store"]

DEFAULT_URL = "sqlite:///.bff/registry.db"


def open_store(url: str, *, create: bool = False) -> Store:
    """The store a registry URL names; ValueError for a URL of no known kind or a missing directory.
    Registries are made on purpose only: `create` (or `?create=1` in the URL) makes a missing one;
    otherwise reading a registry that does not exist raises RegistryNotFound."""
    if url.startswith("sqlite://"):
        from .sqlite import SqliteStore

        return SqliteStore.from_url(url, create=create)
    if url.startswith("dynamodb://"):
        from .dynamodb import DynamoDBStore

        return DynamoDBStore.from_url(url, create=create)
    raise ValueError(f"unknown registry {url!r}: use sqlite:///PATH, dynamodb://TABLE or the HTTP API's http(s):// URL")
