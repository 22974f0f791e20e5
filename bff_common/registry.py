"""What the gateway asks of a registry, as protocols.

The registry (discovery/) implements them: `discovery.open_registry(url)` returns
a store-backed `Registry` or the HTTP API's client, `discovery.open_usage_store(url)`
a store. The gateway types against these protocols and calls only those two
functions, so neither package depends on the other's classes.
"""

from __future__ import annotations

from typing import Protocol


class StoredSupergraph(Protocol):
    """The current supergraph: its version (0 = nothing published yet) and SDL."""

    @property
    def version(self) -> int: ...

    @property
    def sdl(self) -> str | None: ...


class RegistryReader(Protocol):
    """A registry as the gateway reads it: the current supergraph and trusted documents.

    Every method may raise (a store or the HTTP API that cannot answer); callers
    decide whether to fall back or to fail closed."""

    def version(self) -> int:
        """The current supergraph's version, cheaply (what the gateway polls)."""
        ...

    def supergraph(self) -> StoredSupergraph:
        """The current supergraph."""
        ...

    def document(self, sha256: str) -> str | None:
        """A trusted document registered for any client."""
        ...

    def client_document(self, client: str, version: str, sha256: str) -> str | None:
        """A trusted document registered for one client name and version."""
        ...


class UsageWriter(Protocol):
    """Where the gateway's field-usage counts go (one batch per day)."""

    def record_usage(self, day: str, counts: dict[tuple[str, ...], int]) -> None:
        """Add `counts` ((coordinate, client name, client version[, contract]) -> requests) to `day`'s totals."""
        ...
