"""The per-request record telemetry fills in (`RequestContext.telemetry`, one per request)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class SubgraphCall:
    service: str
    ms: float
    ok: bool


@dataclass(slots=True)
class RequestRecord:
    start: float = 0.0  # time.perf_counter() when the request arrived
    subgraphs: list[SubgraphCall] = field(default_factory=list)
