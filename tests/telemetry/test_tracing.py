"""OpenTelemetry spans across the gateway and a real strawberry subgraph that reads traceparent."""

from __future__ import annotations

from opentelemetry import trace  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

from gateway.config import GatewayConfig  # noqa: E402
from gateway.gateway import Gateway  # noqa: E402
from gateway.request import GraphQLRequest  # noqa: E402
from gateway.telemetry import TelemetrySettings  # noqa: E402

EXPORTER = InMemorySpanExporter()
_provider = TracerProvider()
_provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
trace.set_tracer_provider(_provider)

CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN = "00f067aa0ba902b7"


async def test_spans_from_client_through_gateway_to_subgraph(supergraph):
    EXPORTER.clear()
    # X-Amzn-Trace-Id passes the subgraph header rules only when they name it (execute/headers.py)
    rules = {"*": ["traceparent", "tracestate", "x-amzn-trace-id"]}
    gateway = Gateway(supergraph, GatewayConfig(telemetry=TelemetrySettings(tracing=True), propagate_headers=rules))
    headers = {"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01", "x-amzn-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272793"}
    response = await gateway.execute(GraphQLRequest("query T { trace }", "T", headers=headers))
    await gateway.aclose()
    seen_traceparent, seen_amzn = response.body["data"]["trace"]

    spans = {s.name: s for s in EXPORTER.get_finished_spans()}
    assert {"graphql.request", "graphql.prepare", "graphql.plan", "graphql.execute", "subgraph people"} <= set(spans)
    root = spans["graphql.request"]
    assert format(root.context.trace_id, "032x") == CLIENT_TRACE  # continues the client's trace
    assert format(root.parent.span_id, "016x") == CLIENT_SPAN
    assert spans["graphql.prepare"].parent.span_id == root.context.span_id
    assert spans["graphql.plan"].parent.span_id == spans["graphql.prepare"].context.span_id
    assert spans["graphql.execute"].parent.span_id == root.context.span_id
    fetch = spans["subgraph people"]
    assert fetch.parent.span_id == spans["graphql.execute"].context.span_id
    assert fetch.kind == trace.SpanKind.CLIENT and root.kind == trace.SpanKind.SERVER
    # the subgraph received a traceparent naming the fetch span, and the AWS trace header
    version, trace_id, parent_id, flags = seen_traceparent.split("-")
    assert (trace_id, parent_id) == (CLIENT_TRACE, format(fetch.context.span_id, "016x"))
    assert seen_amzn == headers["x-amzn-trace-id"]


async def test_no_traceparent_without_tracing(supergraph):
    gateway = Gateway(supergraph, GatewayConfig(telemetry=TelemetrySettings(log_level=50)))
    response = await gateway.execute(GraphQLRequest("{ trace }"))
    await gateway.aclose()
    assert response.body["data"]["trace"] == ["", ""]
