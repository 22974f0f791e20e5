"""OpenTelemetry spans (imported only when BFF_TRACING=1): request, prepare, plan, execute, each fetch.

The request span continues the client's W3C `traceparent` when sent; each
subgraph fetch sends its own `traceparent` (and the caller's X-Amzn-Trace-Id,
or Lambda's `_X_AMZN_TRACE_ID`) so subgraphs join the same trace.
"""

from __future__ import annotations

import contextlib
import functools
import os
from typing import Any, Callable, Iterator

from .record import RequestRecord


def tracer() -> Any:
    """The "bff.gateway" tracer; ImportError with a clear message when opentelemetry-api is missing."""
    try:
        from opentelemetry import trace
    except ImportError:
        raise ImportError("BFF_TRACING=1 needs opentelemetry-api (pip install 'bff-gateway[otel]')") from None
    return trace.get_tracer("bff.gateway")


@contextlib.contextmanager
def request_span(tracer_: Any, request: Any, record: RequestRecord) -> Iterator[Any]:
    from opentelemetry import propagate, trace

    parent = propagate.extract(dict(request.headers))
    amzn = request.headers.get("x-amzn-trace-id") or os.environ.get("_X_AMZN_TRACE_ID")
    if amzn:
        record.propagate["x-amzn-trace-id"] = amzn
    with tracer_.start_as_current_span("graphql.request", context=parent, kind=trace.SpanKind.SERVER) as span:
        if request.operation_name:
            span.set_attribute("graphql.operation.name", request.operation_name)
        yield span


@contextlib.contextmanager
def fetch_span(tracer_: Any, service: str, record: RequestRecord | None) -> Iterator[dict[str, str]]:
    """A client span for one subgraph fetch; yields the headers to add (traceparent, X-Amzn-Trace-Id)."""
    from opentelemetry import propagate, trace

    with tracer_.start_as_current_span(f"subgraph {service}", kind=trace.SpanKind.CLIENT) as span:
        span.set_attribute("bff.subgraph", service)
        headers: dict[str, str] = dict(record.propagate) if record is not None else {}
        propagate.inject(headers)
        yield headers


def traced_sync(tracer_: Any, name: str, fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with tracer_.start_as_current_span(name):
            return fn(*args, **kwargs)

    return wrapper


def traced_async(tracer_: Any, name: str, fn: Callable) -> Callable:
    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        with tracer_.start_as_current_span(name):
            return await fn(*args, **kwargs)

    return wrapper
