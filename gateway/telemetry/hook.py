"""The hooks: Gateway.execute (and prepare/plan/executor.run when tracing) and a transport wrapper."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from .record import CURRENT, RequestRecord, SubgraphCall
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
    error_codes: list[str]
    request_error: bool


class Telemetry:
    """The sinks that are on, and the wrappers that feed them."""

    def __init__(self, settings: TelemetrySettings) -> None:
        self.settings = settings
        self._ops: dict[tuple[str | None, str | None], OperationInfo] = {}
        self.log: Any = None
        self.metrics: Any = None
        self.tracer: Any = None
        self.usage: Any = None
        self._gateway: Any = None
        if settings.log_level is not None:
            from .logging import RequestLog

            self.log = RequestLog(settings.log_level)
        if settings.metrics == "emf":
            from .metrics import EmfMetrics

            self.metrics = EmfMetrics()
        elif settings.metrics == "prometheus":
            from .metrics import prometheus

            self.metrics = prometheus()
        if settings.tracing:
            from .tracing import tracer

            self.tracer = tracer()
        if settings.usage_store:
            from .usage import UsageRecorder

            self.usage = UsageRecorder.for_url(settings.usage_store, settings.usage_flush_seconds)

    def attach(self, gateway: Any) -> "Telemetry":
        """Wrap `gateway` in place (instance attributes shadow its methods)."""
        self._gateway = gateway
        inner_execute, inner_close = gateway.execute, gateway.aclose
        transport = TimedTransport(gateway.transport, self)
        gateway.transport = transport
        gateway.executor.transport = transport
        if self.tracer is not None:
            from .tracing import traced_async, traced_sync

            gateway._prepare = traced_sync(self.tracer, "graphql.prepare", gateway._prepare)
            gateway._plan = traced_sync(self.tracer, "graphql.plan", gateway._plan)
            gateway.executor.run = traced_async(self.tracer, "graphql.execute", gateway.executor.run)

        async def execute(request: Any) -> Any:
            return await self.execute(request, inner_execute)

        async def aclose() -> None:
            try:
                await inner_close()
            finally:
                if self.usage is not None:
                    self.usage.flush()

        gateway.execute = execute
        gateway.aclose = aclose
        return self

    async def execute(self, request: Any, inner: Callable[[Any], Awaitable[Any]]) -> Any:
        record = RequestRecord()
        token = CURRENT.set(record)
        start = time.perf_counter()
        try:
            if self.tracer is not None:
                from .tracing import request_span

                with request_span(self.tracer, request, record):
                    response = await inner(request)
            else:
                response = await inner(request)
        finally:
            CURRENT.reset(token)
        duration = (time.perf_counter() - start) * 1000.0
        try:
            self._observe(request, response, record, duration)
        except Exception:  # telemetry never fails a request
            import logging

            logging.getLogger("bff.telemetry").exception("recording telemetry failed")
        return response

    def _observe(self, request: Any, response: Any, record: RequestRecord, duration: float) -> None:
        errors = response.body.get("errors") or ()
        codes = [str((e.get("extensions") or {}).get("code", "UNKNOWN")) for e in errors if isinstance(e, dict)]
        info = self.operation_info(request, prepared=not response.request_error)
        name, version = client_of(request)
        principal = request.principal
        obs = Observation(
            request_id=response.headers.get("x-request-id") or request.headers.get("x-request-id"),
            operation=info, client_name=name, client_version=version,
            principal_kind=getattr(principal, "kind", None) or "anonymous", duration_ms=duration,
            subgraphs=record.subgraphs, error_codes=codes, request_error=response.request_error)
        if self.log is not None:
            self.log.write(obs)
        if self.metrics is not None:
            self.metrics.observe(obs)
        if self.usage is not None and not response.request_error and info.coordinates:
            self.usage.count(name, version, info.coordinates)

    def operation_info(self, request: Any, prepared: bool) -> OperationInfo:
        """Name, hash and coordinates of the request's operation; computed once per (document, name)."""
        query = request.query
        if not isinstance(query, str):
            query = self._persisted_query(request)
        key = (query, request.operation_name)
        info = self._ops.get(key)
        if info is not None:
            return info
        digest = hashlib.sha256(query.encode()).hexdigest() if isinstance(query, str) else _persisted_hash(request)
        info = OperationInfo(request.operation_name, digest)
        if prepared and isinstance(query, str):
            document = self._gateway._documents.get(query)
            if document is not None:
                from .usage import operation_coordinates

                found = operation_coordinates(self._gateway.api_schema, document, request.operation_name)
                if found is not None:
                    info = OperationInfo(found[0], digest, found[1])
            if len(self._ops) >= _OPS_CACHE:
                self._ops.clear()
            self._ops[key] = info
        return info

    def _persisted_query(self, request: Any) -> str | None:
        digest = _persisted_hash(request)
        apq = getattr(self._gateway, "apq", None)
        return apq.get(digest) if digest and apq is not None else None


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


class TimedTransport:
    """The gateway's transport with each subgraph call timed (and traced, with trace headers added)."""

    def __init__(self, inner: Any, telemetry: Telemetry) -> None:
        self.inner = inner
        self._tracer = telemetry.tracer

    async def send(self, service: str, url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        record = CURRENT.get()
        start = time.perf_counter()
        ok = False
        try:
            if self._tracer is not None:
                from .tracing import fetch_span

                with fetch_span(self._tracer, service, record) as trace_headers:
                    result = await self.inner.send(service, url, body, {**(headers or {}), **trace_headers})
            else:
                result = await self.inner.send(service, url, body, headers)
            ok = not result.get("errors")
            return result
        finally:
            if record is not None:
                record.subgraphs.append(SubgraphCall(service, (time.perf_counter() - start) * 1000.0, ok))

    async def aclose(self) -> None:
        await self.inner.aclose()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
