"""Request logs (JSON, one line per request) and metrics (EMF lines, Prometheus /metrics) from real requests."""

from __future__ import annotations

import hashlib
import io
import json
import logging

import httpx
import pytest

from bff_common.principal import Principal
from gateway.config import GatewayConfig
from gateway.gateway import Gateway
from gateway.request import GraphQLRequest
from gateway.telemetry import TelemetrySettings, settings_from_env
from tests.support.asgi_server import serve_in_thread

QUERY = "query Me { me { id name } users(first: 2) { email } }"


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("bff.request")
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


def _gateway(supergraph: str, **settings) -> Gateway:
    return Gateway(supergraph, GatewayConfig(telemetry=TelemetrySettings(**settings)))


async def test_one_json_line_per_request_without_secrets(supergraph, log_lines):
    gateway = _gateway(supergraph, log_level=logging.INFO)
    headers = {"apollographql-client-name": "web", "apollographql-client-version": "1.4.2",
               "authorization": "Bearer secret-token", "x-request-id": "req-1"}
    await gateway.execute(GraphQLRequest(QUERY, "Me", variables={"password": "hunter2"}, headers=headers))
    await gateway.execute(GraphQLRequest("{ boom }", headers={}, principal=Principal("server", client_name="batch")))
    await gateway.aclose()
    first, second = log_lines()
    assert first["msg"] == "graphql request" and first["level"] == "info"
    assert first["request_id"] == "req-1"
    assert first["operation"] == "Me"
    assert first["operation_sha256"] == hashlib.sha256(QUERY.encode()).hexdigest()
    assert (first["client_name"], first["client_version"], first["principal"]) == ("web", "1.4.2", "anonymous")
    assert first["duration_ms"] > 0 and first["errors"] == {}
    assert [s["service"] for s in first["subgraphs"]] == ["people"] and first["subgraphs"][0]["ok"]
    assert first["subgraphs"][0]["ms"] <= first["duration_ms"]
    # a server principal is named by its client_name; failed requests are warnings with their codes
    assert (second["client_name"], second["principal"], second["level"]) == ("batch", "server", "warning")
    assert second["operation"] is None and second["errors"]
    assert not second["subgraphs"][0]["ok"]
    text = json.dumps([first, second])
    assert "secret-token" not in text and "hunter2" not in text


async def test_log_level_warning_keeps_only_failed_requests(supergraph, log_lines):
    gateway = _gateway(supergraph, log_level=logging.WARNING)
    await gateway.execute(GraphQLRequest(QUERY))
    await gateway.execute(GraphQLRequest("{ nope }"))
    await gateway.aclose()
    (line,) = log_lines()
    assert line["errors"] == {"GRAPHQL_VALIDATION_FAILED": 1} and line["subgraphs"] == []


async def test_many_errors_of_one_kind_are_one_count(supergraph, log_lines):
    """A field failing on each of 40 objects: the client gets 40 errors, the log line one {code: 40}."""
    gateway = _gateway(supergraph, log_level=logging.INFO)
    response = await gateway.execute(GraphQLRequest("{ users(first: 40) { id badge } }"))
    await gateway.aclose()
    errors = response.body["errors"]
    assert len(errors) == 40 and len(response.body["data"]["users"]) == 40
    assert {e["extensions"]["code"] for e in errors} == {"BADGE_MISSING"}
    (line,) = log_lines()
    assert line["errors"] == {"BADGE_MISSING": 40} and line["level"] == "warning"


async def test_emf_lines_per_operation_and_subgraph(supergraph, capsys):
    gateway = _gateway(supergraph, metrics="emf")
    await gateway.execute(GraphQLRequest(QUERY, "Me"))
    await gateway.execute(GraphQLRequest("query Boom { boom }"))
    await gateway.aclose()
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    operations = [d for d in docs if "operation" in d]
    subgraphs = [d for d in docs if "subgraph" in d]
    assert [(d["operation"], d["requests"], d["errors"]) for d in operations] == [("Me", 1, 0), ("Boom", 1, 1)]
    for d in docs:  # valid EMF: every metric named in the directive is a top-level member
        (directive,) = d["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "bff" and isinstance(d["_aws"]["Timestamp"], int)
        for metric in directive["Metrics"]:
            assert metric["Name"] in d
        for dimension in directive["Dimensions"][0]:
            assert isinstance(d[dimension], str)
    assert operations[0]["latency"] > 0
    assert [(d["subgraph"], d["subgraph_requests"], d["subgraph_errors"]) for d in subgraphs] == [
        ("people", 1, 0), ("people", 1, 1)]


def test_settings_from_environment():
    s = settings_from_env({"BFF_LOG_LEVEL": "info", "BFF_METRICS": "emf", "BFF_TRACING": "1"})
    assert (s.log_level, s.metrics, s.tracing, s.enabled) == (logging.INFO, "emf", True, True)
    assert not settings_from_env({}).enabled
    with pytest.raises(ValueError):
        settings_from_env({"BFF_METRICS": "statsd"})


def test_off_by_default_leaves_the_gateway_alone(supergraph, monkeypatch):
    for name in ("BFF_LOG_LEVEL", "BFF_METRICS", "BFF_TRACING", "BFF_USAGE"):
        monkeypatch.delenv(name, raising=False)
    gateway = Gateway(supergraph, GatewayConfig())
    assert gateway.telemetry is None and "execute" not in vars(gateway)


def test_prometheus_metrics_endpoint(supergraph):
    from gateway.http import create_app

    config = GatewayConfig(telemetry=TelemetrySettings(metrics="prometheus"))
    app = create_app(Gateway(supergraph, config), config)
    with serve_in_thread(app) as server:
        for _ in range(3):
            r = httpx.post(server.graphql_url, json={"query": QUERY, "operationName": "Me"})
            assert r.status_code == 200 and "errors" not in r.json()
        r = httpx.get(server.base_url + "/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    samples = {}
    for line in r.text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    assert samples['bff_requests_total{operation="Me"}'] >= 3
    assert samples['bff_request_duration_seconds_count{operation="Me"}'] >= 3
    assert samples['bff_request_duration_seconds_bucket{operation="Me",le="+Inf"}'] >= 3
    assert samples['bff_subgraph_requests_total{subgraph="people"}'] >= 3


def test_no_metrics_endpoint_when_off(supergraph, monkeypatch):
    from gateway.http import create_app

    monkeypatch.delenv("BFF_METRICS", raising=False)
    config = GatewayConfig()
    with serve_in_thread(create_app(Gateway(supergraph, config), config)) as server:
        assert httpx.get(server.base_url + "/metrics").status_code == 404


def test_metric_labels_only_for_operations_that_ran_and_capped(supergraph):
    """Issue 12, finding 5: client-sent operation names never become series of their own."""
    from gateway.http import create_app
    from gateway.telemetry.metrics import prometheus

    config = GatewayConfig(telemetry=TelemetrySettings(metrics="prometheus"), metrics_operations=3)
    app = create_app(Gateway(supergraph, config), config)
    with serve_in_thread(app) as server:
        for i in range(30):  # refused: an unknown operation name, or a document that does not validate
            httpx.post(server.graphql_url, json={"query": QUERY, "operationName": f"Junk{i}"})
            httpx.post(server.graphql_url, json={"query": f"query Bad{i} {{ nope }}"})
        for i in range(5):  # valid and ran: the first three names get labels, the others count as "other"
            r = httpx.post(server.graphql_url, json={"query": f"query Ok{i} {{ me {{ id }} }}"})
            assert "errors" not in r.json()
        text = httpx.get(server.base_url + "/metrics").text
    names = {line.split('operation="')[1].split('"')[0] for line in text.splitlines()
             if line.startswith("bff_requests_total{operation=")}
    assert not any(n.startswith(("Junk", "Bad")) for n in names)
    assert {"Ok0", "Ok1", "Ok2", "other"} <= names and not {"Ok3", "Ok4"} & names
    assert len(prometheus().text()) < 200_000


def test_metrics_bearer_token(supergraph, monkeypatch):
    from gateway.http import create_app

    monkeypatch.setenv("TEST_METRICS_TOKEN", "s3cret-scrape")
    config = GatewayConfig(telemetry=TelemetrySettings(metrics="prometheus"), metrics_token="env:TEST_METRICS_TOKEN")
    with serve_in_thread(create_app(Gateway(supergraph, config), config)) as server:
        missing = httpx.get(server.base_url + "/metrics")
        wrong = httpx.get(server.base_url + "/metrics", headers={"authorization": "Bearer nope"})
        right = httpx.get(server.base_url + "/metrics", headers={"authorization": "Bearer s3cret-scrape"})
    assert missing.status_code == wrong.status_code == 401
    assert missing.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "s3cret" not in missing.text
    assert right.status_code == 200 and "bff_requests_total" in right.text
