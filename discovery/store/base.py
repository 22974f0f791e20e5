"""The storage contract every registry backend meets (SQLite, DynamoDB).

A store knows nothing about composition: it reads snapshots and applies one
`Commit` atomically, conditionally on the graph version the caller read
(optimistic concurrency). The operations in `discovery.registry` do the rest.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from ..model import Commit, HistoryEvent, Snapshot, StoredSupergraph


class StoreError(Exception):
    """The store could not answer (unreachable, timed out, misconfigured); nothing was changed by us."""


class StoreUnavailable(StoreError):
    """The backend did not answer in time or refused the connection."""


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
