"""The registry's values: a published service, a graph snapshot, a history event.

Plain frozen dataclasses shared by the stores, the operations and the
interfaces, so that every layer speaks the same nouns.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Service:
    """One published subgraph as the registry holds it."""

    name: str
    endpoint: str  # https://..., http://... or lambda:FUNCTION[:ALIAS]
    sdl: str
    # For plain GraphQL services: [{"type": "User", "field": "userById", "arguments": {"id": "id"}}]
    lookups: list[dict[str, Any]] | None = None
    api_key_ref: str | None = None  # a reference (env:/ssm:/secretsmanager:), never the key
    published_by: str = ""
    published_at: str = ""  # ISO 8601, UTC
    revision: int = 0  # graph version at which this service was last written

    def same_content(self, other: Service | None) -> bool:
        """True when publishing `other` over this one would change nothing."""
        return other is not None and (self.endpoint, self.sdl, self.lookups, self.api_key_ref) == (
            other.endpoint, other.sdl, other.lookups, other.api_key_ref)

    def to_json(self, *, with_sdl: bool = True) -> dict[str, Any]:
        data = asdict(self)
        if not with_sdl:
            data.pop("sdl")
        return data


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One version of the graph: who changed which service, when, and a short diff summary."""

    version: int
    service: str
    action: str  # "publish" | "remove"
    actor: str
    at: str
    summary: str
    endpoint: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The graph at one version: its services and the composed supergraph (None when empty)."""

    version: int
    services: dict[str, Service] = field(default_factory=dict)
    supergraph: str | None = None
    # The contract definitions at this version (bff_common.contracts.definitions_to_json), None when none.
    contracts: str | None = None


@dataclass(frozen=True, slots=True)
class StoredSupergraph:
    """What a gateway loads: the composed supergraph and its version (0 = nothing published yet)."""

    version: int
    sdl: str | None
    # The contract definitions stored with this version (JSON), so a gateway picks them up with it.
    contracts: str | None = None


@dataclass(frozen=True, slots=True)
class Commit:
    """One atomic change: graph `expected_version` -> `expected_version + 1`.

    At most one of `upsert` / `remove` is set (neither for a contract change);
    `supergraph` is the composed result for the new version (None when the last
    service was removed) and `contracts` the contract definitions at the new
    version (JSON, carried over unchanged by a service change).
    """

    expected_version: int
    event: HistoryEvent
    supergraph: str | None
    upsert: Service | None = None
    remove: str | None = None
    contracts: str | None = None

    @property
    def new_version(self) -> int:
        return self.expected_version + 1


@dataclass(frozen=True, slots=True)
class Problem:
    """A reason a request was refused, for the caller (code is stable, message is for humans)."""

    code: str
    message: str
    subgraphs: tuple[str, ...] = ()
    coordinate: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "subgraphs": list(self.subgraphs),
                "coordinate": self.coordinate}


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of publish/remove: the new version, or the problems that stopped it.

    `changed` is False for a publish identical to what is already there (no new version).
    """

    ok: bool
    version: int
    problems: tuple[Problem, ...] = ()
    summary: str = ""
    changed: bool = True
    # Not refusals: e.g. a contract naming tags no element carries (a likely typo).
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = {"ok": self.ok, "version": self.version, "changed": self.changed, "summary": self.summary,
                "errors": [p.to_json() for p in self.problems]}
        if self.warnings:
            data["warnings"] = list(self.warnings)
        return data
