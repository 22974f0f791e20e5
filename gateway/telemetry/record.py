"""The per-request record the telemetry hooks fill in (one per Gateway.execute call)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(slots=True)
class SubgraphCall:
    service: str
    ms: float
    ok: bool


@dataclass(slots=True)
class RequestRecord:
    # Headers propagated to subgraphs (X-Amzn-Trace-Id), when tracing is on.
    propagate: dict[str, str] = field(default_factory=dict)
    subgraphs: list[SubgraphCall] = field(default_factory=list)


# Set by the execute hook; the transport wrapper appends to it (tasks copy the context, not the record).
CURRENT: ContextVar[RequestRecord | None] = ContextVar("bff_request_record", default=None)
