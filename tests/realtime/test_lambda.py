"""On Lambda behind API Gateway (buffered responses) nothing streams: a query with @defer from a client that accepts
multipart/mixed gets one complete JSON response, a subscription is refused in GraphQL's error format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gateway.http import lambda_handler
from tests.support.lambda_events import http_api_v2_event, invoke

SUPERGRAPH = Path(__file__).resolve().parents[2] / "services" / "supergraph.graphql"


@pytest.fixture
def lambda_gateway(monkeypatch: pytest.MonkeyPatch, example_services: dict[str, str]) -> None:
    from gateway.config import GatewayConfig
    from gateway.gateway import Gateway

    monkeypatch.setattr(lambda_handler, "_handler", None)
    monkeypatch.setattr(lambda_handler, "_gateway_factory",
                        lambda: Gateway.from_file(SUPERGRAPH, GatewayConfig(subgraph_urls=example_services)))


def _post(query: str, accept: str) -> dict[str, Any]:
    event = http_api_v2_event("POST", body=json.dumps({"query": query}),
                              headers={"content-type": "application/json", "accept": accept})
    [result] = invoke(event)
    return result


def test_defer_on_lambda_is_one_complete_response(lambda_gateway: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BFF_EXAMPLE_SLOW_SECONDS", "0.1")
    result = _post('{ course(id: "c1") { title ... @defer { alsoReviewed(limit: 1) { title } } } }',
                   "multipart/mixed;deferSpec=20220824, application/json")
    assert result["statusCode"] == 200 and result["headers"]["content-type"].startswith("application/json")
    course = json.loads(result["body"])["data"]["course"]
    assert course["title"] == "Introduction to GraphQL" and len(course["alsoReviewed"]) == 1


def test_subscription_on_lambda_is_refused(lambda_gateway: None) -> None:
    result = _post('subscription { reviewAdded(courseId: "c1") { id } }', "text/event-stream, application/json")
    [error] = json.loads(result["body"])["errors"]
    assert error["extensions"]["code"] == "OPERATION_NOT_SUPPORTED"
