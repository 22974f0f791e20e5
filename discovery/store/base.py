"""The storage contract every registry backend meets (SQLite, DynamoDB).

A store knows nothing about composition: it reads snapshots and applies one
`Commit` atomically, conditionally on the graph version the caller read
(optimistic concurrency). The operations in `discovery.registry` do the rest.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from typing import TYPE_CHECKING

from ..model import Commit, HistoryEvent, Snapshot, StoredSupergraph

if TYPE_CHECKING:
    from ..usage import UsageRow


@dataclass(frozen=True, slots=True)
class DocumentEntry:
    """One trusted document registered for a client name and version."""

    client: str
    version: str
    sha256: str
    published_by: str
    published_at: str

    def to_json(self) -> dict[str, str]:
        return {"client": self.client, "version": self.version, "sha256": self.sha256,
                "published_by": self.published_by, "published_at": self.published_at}


class StoreError(Exception):
    """The store could not answer (unreachable, timed out, misconfigured); nothing was changed by us."""


class StoreUnavailable(StoreError):
    """The backend did not answer in time or refused the connection."""



class RegistryNotFound(StoreUnavailable):
    """No registry at the URL. Registries are created on purpose only (`bff registry init URL`,
    `bff publish --create`), so a mistyped path fails instead of starting an empty graph."""

class VersionConflict(StoreError):
    """Someone else committed first: the graph is no longer at the expected version."""


class Store(ABC):
    """Persistent registry state: current version, services, composed supergraph, history."""

    @abstractmethod
    def current_version(self) -> int:
        """The graph version (0 when nothing was ever published): the cheap poll of gateways."""

    @abstractmethod
    def snapshot(self) -> Snapshot:
        """Version, services and supergraph, read consistently (never a mix of two versions)."""

    @abstractmethod
    def supergraph(self) -> StoredSupergraph:
        """The stored composed supergraph with its version: what a gateway's cold start reads."""

    @abstractmethod
    def commit(self, change: Commit) -> None:
        """Apply `change` atomically iff the graph is still at `change.expected_version`.

        Raises VersionConflict when it is not (nothing written), StoreUnavailable
        when the backend did not answer.
        """

    @abstractmethod
    def history(self, service: str | None = None) -> list[HistoryEvent]:
        """Every version's event, oldest first; only `service`'s when given."""

    def close(self) -> None:
        """Release connections."""

    # -- client field usage (discovery/usage.py); optional for a store ----------------------

    def record_usage(self, day: str, counts: "dict[tuple[str, ...], int]") -> None:
        """Add request counts for `day` (YYYY-MM-DD), keyed (coordinate, client, client version[, contract])
        (the contract "" or absent: the full API schema)."""
        raise NotImplementedError(f"{type(self).__name__} keeps no field usage")

    def usage(self, since_day: str, coordinate: str | None = None) -> "list[UsageRow]":
        """Usage rows from `since_day` on (inclusive); only `coordinate` and what it covers when given."""
        raise NotImplementedError(f"{type(self).__name__} keeps no field usage")

    # -- trusted documents (discovery/documents.py); optional for a store -------------------

    def put_documents(self, client: str, version: str, documents: "dict[str, str]", published_by: str, at: str) -> int:
        """Register `documents` ({sha256: text}, hashes already verified) for client/version; put-if-absent
        per item, so a re-publish is a no-op. Returns how many were new for that client/version."""
        raise NotImplementedError(f"{type(self).__name__} keeps no trusted documents")

    def document(self, sha256: str) -> str | None:
        """A registered document by hash, whatever client registered it."""
        raise NotImplementedError(f"{type(self).__name__} keeps no trusted documents")

    def client_document(self, client: str, version: str, sha256: str) -> str | None:
        """The document `sha256` if it is registered for exactly this client name and version."""
        raise NotImplementedError(f"{type(self).__name__} keeps no trusted documents")

    def documents(self, client: str | None = None) -> "list[DocumentEntry]":
        """Registrations (client, version, sha256, by, at), sorted; only `client`'s when given."""
        raise NotImplementedError(f"{type(self).__name__} keeps no trusted documents")
