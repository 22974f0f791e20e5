"""The Lambda gateway loads its graph from the registry (BFF_REGISTRY), and falls back to
the bundled supergraph file when the registry is down at a cold start."""

from __future__ import annotations

import json

from discovery.client import open_registry
from discovery.registry import PublishRequest
from gateway.http import lambda_handler
from tests.support.lambda_events import http_api_v2_event, invoke

SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { hello: String }
"""


def _fresh_container(monkeypatch) -> None:
    monkeypatch.setattr(lambda_handler, "_handler", None)
    monkeypatch.setattr(lambda_handler, "_gateway_factory", lambda_handler._build_gateway)


def _introspect_query_fields(monkeypatch) -> list[str]:
    monkeypatch.setenv("BFF_INTROSPECTION", "1")
    body = json.dumps({"query": "{ __schema { queryType { fields { name } } } }"})
    [response] = invoke(http_api_v2_event("POST", body=body, headers={"content-type": "application/json"}))
    assert response["statusCode"] == 200, response
    return [f["name"] for f in json.loads(response["body"])["data"]["__schema"]["queryType"]["fields"]]


def test_lambda_gateway_serves_the_registrys_current_graph(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path}/registry.db"
    outcome = open_registry(url, create=True).publish(PublishRequest("hello", "http://127.0.0.1:9/graphql", SDL, "test"))
    assert outcome.ok, outcome
    monkeypatch.setenv("BFF_REGISTRY", url)
    monkeypatch.delenv("BFF_SUPERGRAPH", raising=False)
    _fresh_container(monkeypatch)
    assert _introspect_query_fields(monkeypatch) == ["hello"]


def test_lambda_gateway_falls_back_to_the_bundled_file(monkeypatch, tmp_path):
    bundled = tmp_path / "supergraph.graphql"
    bundled.write_text(open("services/supergraph.graphql").read())
    monkeypatch.setenv("BFF_REGISTRY", f"sqlite:///{tmp_path}/none.db")
    monkeypatch.setenv("BFF_SUPERGRAPH", str(bundled))
    _fresh_container(monkeypatch)
    assert "courses" in _introspect_query_fields(monkeypatch)
