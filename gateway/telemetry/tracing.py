"""OpenTelemetry spans (imported only when BFF_TRACING=1): request, prepare, plan, execute, each fetch.

`Tracing` is a pipeline plugin. The request span continues the client's W3C
`traceparent` when sent; "graphql.prepare" runs from the request's arrival to
the known plan, with "graphql.plan" inside it from the prepared operation to
the plan; "graphql.execute" from the plan to the response. Each subgraph fetch
gets a client span and sends its own `traceparent` (and the caller's
X-Amzn-Trace-Id, or Lambda's `_X_AMZN_TRACE_ID`) so subgraphs join the same
trace. Spans are parented explicitly (no current-span context switching).
"""

from __future__ import annotations

import os
import time
from typing import Any


def tracer() -> Any:
    """The "bff.gateway" tracer; ImportError with a clear message when opentelemetry-api is missing."""
    try:
        from opentelemetry import trace
    except ImportError:
        raise ImportError("BFF_TRACING=1 needs opentelemetry-api (pip install 'bff-gateway[otel]')") from None
    return trace.get_tracer("bff.gateway")


class _Spans:
    __slots__ = ("request", "context", "started", "amzn", "prepare", "plan", "execute", "execute_context")

    def __init__(self, request: Any, context: Any, started: int, amzn: str | None) -> None:
        self.request, self.context, self.started, self.amzn = request, context, started, amzn
        self.prepare: Any = None
        self.plan: Any = None
        self.execute: Any = None
        self.execute_context: Any = None


class Tracing:
    def __init__(self, tracer_: Any) -> None:
        from opentelemetry import propagate, trace

        self.tracer = tracer_
        self._propagate = propagate
        self._trace = trace

    def on_request(self, ctx: Any) -> None:
        trace = self._trace
        parent = self._propagate.extract(dict(ctx.headers))
        started = time.time_ns()
        span = self.tracer.start_span("graphql.request", context=parent, kind=trace.SpanKind.SERVER,
                                      start_time=started)
        if ctx.request.operation_name:
            span.set_attribute("graphql.operation.name", ctx.request.operation_name)
        amzn = ctx.headers.get("x-amzn-trace-id") or os.environ.get("_X_AMZN_TRACE_ID")
        ctx.state[self] = _Spans(span, trace.set_span_in_context(span), started, amzn)

    def on_operation(self, ctx: Any) -> None:
        spans = ctx.state[self]
        spans.prepare = self.tracer.start_span("graphql.prepare", context=spans.context, start_time=spans.started)
        spans.plan = self.tracer.start_span("graphql.plan", context=self._trace.set_span_in_context(spans.prepare))

    def on_plan(self, ctx: Any) -> None:
        spans = ctx.state[self]
        _end(spans, "plan")
        _end(spans, "prepare")
        spans.execute = self.tracer.start_span("graphql.execute", context=spans.context)
        spans.execute_context = self._trace.set_span_in_context(spans.execute)

    def on_subgraph_request(self, ctx: Any, call: Any) -> None:
        spans = ctx.state[self]
        span = self.tracer.start_span(f"subgraph {call.service}", context=spans.execute_context or spans.context,
                                      kind=self._trace.SpanKind.CLIENT)
        span.set_attribute("bff.subgraph", call.service)
        if spans.amzn:
            call.headers["x-amzn-trace-id"] = spans.amzn
        self._propagate.inject(call.headers, context=self._trace.set_span_in_context(span))
        call.state[self] = span

    def on_subgraph_response(self, ctx: Any, call: Any) -> None:
        span = call.state.pop(self, None)
        if span is not None:
            if call.error is not None:
                span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, str(call.error)))
            span.end()

    def on_response(self, ctx: Any) -> None:
        spans = ctx.state.pop(self, None)
        if spans is None:
            return
        for name in ("plan", "prepare", "execute"):
            _end(spans, name)
        spans.request.end()


def _end(spans: _Spans, name: str) -> None:
    span = getattr(spans, name)
    if span is not None:
        span.end()
        setattr(spans, name, None)
