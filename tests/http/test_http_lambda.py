"""The Lambda handler with real API Gateway event shapes (HTTP API v2 and REST v1)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest
from http_doubles import FakeGateway

from gateway.http import lambda_handler
from tests.support.lambda_events import http_api_v2_event, invoke, rest_v1_event

GRJ = "application/graphql-response+json"


@pytest.fixture
def built(monkeypatch) -> list[FakeGateway]:
    """A fresh container whose gateway factory records each Gateway it builds."""
    gateways: list[FakeGateway] = []

    def factory() -> FakeGateway:
        gateways.append(FakeGateway())
        return gateways[-1]

    monkeypatch.setattr(lambda_handler, "_handler", None)
    monkeypatch.setattr(lambda_handler, "_gateway_factory", factory)
    monkeypatch.setenv("BFF_GET_QUERIES", "1")  # these tests map GET events: full-text GET is off in production
    return gateways


# The events carry a cookie: a GET then needs a preflight-forcing header (CSRF prevention, http/cors.py).
PREFLIGHT = {"apollo-require-preflight": "true"}



def body_of(result: dict) -> dict:
    raw = base64.b64decode(result["body"]) if result["isBase64Encoded"] else result["body"].encode()
    return json.loads(raw)


def test_http_api_v2_post(built):
    event = http_api_v2_event("POST", body=json.dumps({"query": "{ hello }", "variables": {"a": 1}}),
                              headers={"content-type": "application/json", "accept": GRJ, "x-client-name": "ios"})
    [result] = invoke(event)
    assert result["statusCode"] == 200
    assert result["headers"]["content-type"].startswith(GRJ)
    assert result["isBase64Encoded"] is False  # API Gateway passes the JSON through as text
    echo = body_of(result)["data"]["echo"]
    assert echo["variables"] == {"a": 1}
    assert echo["method"] == "POST"
    assert echo["headers"]["x-client-name"] == "ios"
    assert echo["headers"]["cookie"] == "session=abc"


def test_http_api_v2_base64_body_and_request_error(built):
    event = http_api_v2_event("POST", body=json.dumps({"query": "{ invalid }"}), base64_body=True,
                              headers={"content-type": "application/json", "accept": GRJ})
    [result] = invoke(event)
    assert result["statusCode"] == 400
    assert "data" not in body_of(result)


def test_http_api_v2_get_and_unknown_path(built):
    ok, missing = invoke(
        http_api_v2_event("GET", query={"query": "{ hello }", "variables": '{"x": "y"}'}, headers=PREFLIGHT),
        http_api_v2_event("GET", path="/nope"),
    )
    assert ok["statusCode"] == 200
    assert body_of(ok)["data"]["echo"]["variables"] == {"x": "y"}
    assert missing["statusCode"] == 404
    assert body_of(missing)["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_full_text_get_is_refused_by_default_on_lambda(built, monkeypatch):
    monkeypatch.delenv("BFF_GET_QUERIES")
    (refused,) = invoke(http_api_v2_event("GET", query={"query": "{ hello }"}, headers=PREFLIGHT))
    assert refused["statusCode"] == 405
    assert body_of(refused)["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


def test_rest_v1_get_and_post(built):
    get, post, refused = invoke(
        rest_v1_event("GET", query={"query": "{ hello }", "operationName": ""}, headers={"Accept": "application/json"}),
        rest_v1_event("POST", body=json.dumps({"query": "{ hello }"}), headers={"Content-Type": "application/json"}),
        rest_v1_event("POST", body="query=%7Bhello%7D", headers={"Content-Type": "application/x-www-form-urlencoded"}),
    )
    assert get["statusCode"] == 200
    assert body_of(get)["data"]["echo"]["method"] == "GET"
    assert post["statusCode"] == 200
    assert body_of(post)["data"]["echo"]["method"] == "POST"
    assert refused["statusCode"] == 415


def test_the_gateway_is_built_once_on_the_first_request(built):
    assert built == []  # nothing built at import or before the first event
    events = [http_api_v2_event("GET", query={"query": "{ hello }"}, headers=PREFLIGHT) for _ in range(3)]
    results = invoke(*events)
    assert [r["statusCode"] for r in results] == [200, 200, 200]
    assert len(built) == 1
    assert len(built[0].requests) == 3


def test_health_builds_the_gateway(built):
    [result] = invoke(http_api_v2_event("GET", path="/health"))
    assert result["statusCode"] == 200
    assert body_of(result) == {"status": "ok"}
    assert len(built) == 1


def test_default_factory_reads_bff_supergraph(monkeypatch, tmp_path):
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text("schema { query: Query }")
    seen: list[str] = []

    def from_file(path, config=None):
        seen.append(str(path))
        return FakeGateway()

    import gateway.gateway

    monkeypatch.setattr(gateway.gateway.Gateway, "from_file", staticmethod(from_file))
    monkeypatch.setattr(lambda_handler, "_handler", None)
    monkeypatch.setenv("BFF_SUPERGRAPH", str(supergraph))
    [result] = invoke(http_api_v2_event("POST", body=json.dumps({"query": "{ hello }"}),
                                        headers={"Content-Type": "application/json"}))
    assert result["statusCode"] == 200
    assert seen == [str(supergraph)]


def test_missing_bff_supergraph_is_503_without_a_traceback(monkeypatch):
    monkeypatch.setattr(lambda_handler, "_handler", None)
    monkeypatch.delenv("BFF_SUPERGRAPH", raising=False)
    graphql, health = invoke(
        http_api_v2_event("POST", body='{"query": "{ a }"}', headers={"content-type": "application/json"}),
        http_api_v2_event("GET", path="/health"),
    )
    assert graphql["statusCode"] == 503
    assert body_of(graphql)["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "Traceback" not in graphql["body"] and "BFF_SUPERGRAPH" not in graphql["body"]
    assert health["statusCode"] == 503


def test_lambda_import_stays_light():
    code = (
        "import sys, gateway.http.lambda_handler\n"
        "heavy = [m for m in ('uvicorn', 'gateway.cli', 'argparse', 'starlette', 'graphql', 'httpx', 'strawberry')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
