"""`Telemetry`: request logs, metrics and field usage as a pipeline plugin (gateway/pipeline/)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from ..pipeline.context import error_codes
from .record import RequestRecord, SubgraphCall
from .settings import TelemetrySettings

_OPS_CACHE = 2048


@dataclass(frozen=True, slots=True)
class OperationInfo:
    name: str | None
    sha256: str | None
    # Schema coordinates the operation selects ("Type.field", "Type.field(arg:)"); () when unknown.
    coordinates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Observation:
    """What one request did, as the log / metrics / usage sinks see it."""

    request_id: str | None
    operation: OperationInfo
    client_name: str
    client_version: str
    principal_kind: str
    duration_ms: float
    subgraphs: list[SubgraphCall]
    # {code: how many of the response's errors carry it}, in order of first appearance: a failed
    # fetch over many objects is one entry, not one code per object.
    error_codes: dict[str, int]
    request_error: bool
    # Estimated cost of the operation (assumed list sizes included); None when it did not run.
    cost: int | None = None
    # The operation's metric label: its name when known (metrics.OperationLabels), else "other".
    label: str | None = None


class Telemetry:
    """The sinks that are on, fed from the request's hooks: timing in on_request, each subgraph call
    in on_subgraph_request/response, one Observation in on_response."""

    def __init__(self, settings: TelemetrySettings, api_schema: Any = None, metric_operations: int = 100) -> None:
        self.settings = settings
        self.api_schema = api_schema  # for the coordinates of field usage
        self.labels: Any = None
        self._ops: dict[tuple[str | None, str | None], OperationInfo] = {}
        self.log: Any = None
        self.metrics: Any = None
        self.usage: Any = None
        if settings.log_level is not None:
            from .logging import RequestLog

            self.log = RequestLog(settings.log_level)
        if settings.metrics:
            from .metrics import OperationLabels

            self.labels = OperationLabels(metric_operations)
        if settings.metrics == "emf":
            from .metrics import EmfMetrics

            self.metrics = EmfMetrics()
        elif settings.metrics == "prometheus":
            from .metrics import prometheus

            self.metrics = prometheus()
        if settings.usage_store:
            from .usage import UsageRecorder

            self.usage = UsageRecorder.for_url(settings.usage_store, settings.usage_flush_seconds)

    def on_request(self, ctx: Any) -> None:
        ctx.telemetry = RequestRecord(time.perf_counter())

    def on_subgraph_request(self, ctx: Any, call: Any) -> None:
        call.state[self] = time.perf_counter()

    def on_subgraph_response(self, ctx: Any, call: Any) -> None:
        start = call.state.get(self)
        if start is not None and ctx.telemetry is not None:
            ok = call.error is None and not (call.response or {}).get("errors")
            ctx.telemetry.subgraphs.append(SubgraphCall(call.service, (time.perf_counter() - start) * 1000.0, ok))

    def on_response(self, ctx: Any) -> None:
        record = ctx.telemetry
        if record is None:
            return
        try:
            self._observe(ctx, record, (time.perf_counter() - record.start) * 1000.0)
        except Exception:  # telemetry never fails a request
            import logging

            logging.getLogger("bff.telemetry").exception("recording telemetry failed")

    def aclose(self) -> None:
        if self.usage is not None:
            self.usage.close()

    def _observe(self, ctx: Any, record: RequestRecord, duration: float) -> None:
        request, response = ctx.request, ctx.response
        codes = error_codes(response.body.get("errors") or ())
        info = self.operation_info(ctx, prepared=not response.request_error)
        name, version = client_of(request)
        principal = request.principal
        obs = Observation(
            request_id=response.headers.get("x-request-id") or request.headers.get("x-request-id"),
            operation=info, client_name=name, client_version=version,
            principal_kind=getattr(principal, "kind", None) or "anonymous", duration_ms=duration,
            subgraphs=record.subgraphs, error_codes=codes, request_error=response.request_error,
            cost=response.cost,
            label=self.labels.label(info.name, not response.request_error) if self.labels is not None else None)
        if self.log is not None:
            self.log.write(obs)
        if self.metrics is not None:
            self.metrics.observe(obs)
        if self.usage is not None and not response.request_error and info.coordinates:
            self.usage.count(name, version, info.coordinates, ctx.contract or "")  # per contract: docs/contracts.md

    def operation_info(self, ctx: Any, prepared: bool) -> OperationInfo:
        """Name, hash and coordinates of the request's operation; computed once per (document, name)."""
        request = ctx.request
        query = ctx.query  # the document text, also when it came from APQ or trusted documents
        key = (query, request.operation_name)
        info = self._ops.get(key)
        if info is not None:
            return info
        digest = hashlib.sha256(query.encode()).hexdigest() if isinstance(query, str) else _persisted_hash(request)
        info = OperationInfo(request.operation_name, digest)
        if prepared and isinstance(query, str):
            if ctx.document is not None and self.api_schema is not None:
                from .usage import operation_coordinates

                found = operation_coordinates(self.api_schema, ctx.document, request.operation_name)
                if found is not None:
                    info = OperationInfo(found[0], digest, found[1])
            if len(self._ops) >= _OPS_CACHE:
                self._ops.clear()
            self._ops[key] = info
        return info


def client_of(request: Any) -> tuple[str, str]:
    """(client name, version): a server principal's client_name, else the Apollo client headers."""
    principal = request.principal
    headers = request.headers
    name = None
    if getattr(principal, "kind", None) == "server":
        name = getattr(principal, "client_name", None)
    name = name or headers.get("apollographql-client-name") or "unknown"
    return name[:100], (headers.get("apollographql-client-version") or "")[:50]


def _persisted_hash(request: Any) -> str | None:
    persisted = (request.extensions or {}).get("persistedQuery")
    digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
    return digest if isinstance(digest, str) else None
