"""Service discovery: compose subgraphs into a supergraph, and the registry that stores them.

The gateway reaches the registry only through the functions below (its public
interface, typed by `bff_common.registry`); everything else here is discovery's own.
`dynamodb_client` lends the registry's lean DynamoDB client to the gateway's shared caches.
Both import their implementation when called: importing this package costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bff_common.registry import RegistryReader, UsageWriter


def open_registry(url: str) -> RegistryReader:
    """The registry at `url`: a store URL (`sqlite:///PATH`, `dynamodb://TABLE`) or the registry
    API's http(s) URL. ValueError for a URL of no known kind."""
    from .client import open_registry as open_any

    return open_any(url)


def open_usage_store(url: str) -> UsageWriter:
    """The store a registry URL names, for writing field usage. ValueError for an unknown kind."""
    from .store import open_store

    return open_store(url)


def dynamodb_client(region: str | None, endpoint: str | None, timeout: float) -> Any:
    """A DynamoDB client (`get_item`, `put_item`, `query`, botocore's shapes): the lean signed client when
    the credentials are in the environment (or an endpoint such as DynamoDB Local is named), else botocore's."""
    from .store.dynamodb_lean import lean_client

    client = lean_client(region, endpoint, timeout)
    if client is None:
        from .store.dynamodb import _make_client

        client = _make_client(region, endpoint, timeout)
    return client
