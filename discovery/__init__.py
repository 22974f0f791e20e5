"""Service discovery: compose subgraphs into a supergraph, and the registry that stores them.

The gateway reaches the registry only through the two functions below (its public
interface, typed by `bff_common.registry`); everything else here is discovery's own.
Both import their implementation when called: importing this package costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
