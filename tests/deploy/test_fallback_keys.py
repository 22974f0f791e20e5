"""API keys on the fallback graph (issue 11): with the registry unreachable at a cold start the deployed
gateway serves its packaged fallback supergraph and still sends every service its key, resolved from the
references `deploy/build.py` ships beside the fallback (BFF_FALLBACK_SERVICES); a configured
`subgraphs.NAME.api_key` still wins."""

from __future__ import annotations

import json
import logging
import socket
from typing import Any

import pytest

from gateway.http import lambda_handler

from .events import http_v2
from .inprocess import ROOT, SERVICES, InProcessLambda, load_build, service_handler

API_KEY = "local-service-key-0123456789"
QUERY = "{ courses { title instructor { name } averageRating } }"  # courses, accounts, reviews


def body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def lambdas() -> InProcessLambda:
    return InProcessLambda({f"bff-local-{name}": service_handler(name, API_KEY) for name in SERVICES})


@pytest.fixture()
def fallback_gateway(monkeypatch: pytest.MonkeyPatch, lambdas: InProcessLambda) -> Any:
    """The gateway as serverless.yml configures it for stage `local` (whose keys are env:BFF_LOCAL_API_KEY),
    its registry (DynamoDB) unreachable; only the Lambda client is replaced by the services in this process."""
    build = load_build()
    supergraph = build.fallback_supergraph("local")
    monkeypatch.setenv("BFF_REGISTRY", f"dynamodb://bff-local-registry?endpoint=http://127.0.0.1:{closed_port()}"
                                       "&region=eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIALOCALONLY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local-only")
    monkeypatch.setenv("BFF_SUPERGRAPH", str(supergraph))
    monkeypatch.setenv("BFF_FALLBACK_SERVICES", str(supergraph.with_suffix(".services.json")))
    monkeypatch.setenv("BFF_CONFIG", str(ROOT / "deploy" / "bff.yaml"))
    monkeypatch.setenv("BFF_ALLOW_ANONYMOUS", "true")
    monkeypatch.setenv("BFF_LOCAL_API_KEY", API_KEY)
    for name in ("BFF_SUBGRAPH_API_KEYS", "BFF_SUBGRAPH_URLS", "BFF_IDENTITY_SECRET"):
        monkeypatch.delenv(name, raising=False)

    async def factory() -> Any:
        switch = await lambda_handler._build_gateway()  # type: ignore[misc]
        switch.gateway.transport.inner._lambda_transport()._client = lambdas
        return switch

    monkeypatch.setattr(lambda_handler, "_gateway_factory", factory)
    monkeypatch.setattr(lambda_handler, "_handler", None)
    return lambda_handler.handler


def test_the_build_ships_references_never_keys() -> None:
    build = load_build()
    entries = json.loads(build.fallback_services("dev").read_text())
    assert [e["name"] for e in entries] == list(SERVICES)
    assert all(e["api_key_ref"] == f"ssm:/bff/dev/keys/{e['name']}" for e in entries), entries
    assert all(e["endpoint"] == f"lambda:bff-dev-{e['name']}" for e in entries), entries


def test_registry_down_at_cold_start_keyed_services_answer_on_the_fallback(
        fallback_gateway: Any, lambdas: InProcessLambda, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bff.supergraph"):
        response = fallback_gateway(http_v2("POST", "/graphql", {"query": QUERY}), None)
    answer = body(response)
    assert response["statusCode"] == 200 and "errors" not in answer, answer
    courses = answer["data"]["courses"]
    assert courses and any(c["instructor"] and c["instructor"]["name"] for c in courses), courses
    assert any(c["averageRating"] for c in courses), courses
    assert {"bff-local-courses", "bff-local-accounts", "bff-local-reviews"} <= set(lambdas.invoked)
    lines = [r.getMessage() for r in caplog.records if r.name == "bff.supergraph" and r.levelno >= logging.WARNING]
    assert len(lines) == 1, lines
    assert "registry unavailable at cold start" in lines[0] and "API-key references of 4 services" in lines[0]


def test_without_the_references_the_fallback_calls_keyed_services_in_vain(
        fallback_gateway: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BFF_FALLBACK_SERVICES")
    answer = body(fallback_gateway(http_v2("POST", "/graphql", {"query": "{ courses { title } }"}), None))
    assert answer["data"] is None or answer["data"]["courses"] is None, answer
    assert answer["errors"]


def test_a_configured_key_still_wins_on_the_fallback(fallback_gateway: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BFF_SUBGRAPH_API_KEYS", "reviews=env:BFF_WRONG_KEY")
    monkeypatch.setenv("BFF_WRONG_KEY", "not-the-key-0123456789")
    answer = body(fallback_gateway(http_v2("POST", "/graphql", {"query": QUERY}), None))
    courses = answer["data"]["courses"]
    assert any(c["instructor"] and c["instructor"]["name"] for c in courses), answer  # accounts: its published key
    assert all(c["averageRating"] is None for c in courses) and answer["errors"], answer  # reviews: the pinned one


def test_the_fallback_can_be_the_registrys_current_graph(tmp_path: Any) -> None:
    """`python deploy/build.py --fallback-from REGISTRY`: every registered service (a team's own too),
    with the endpoints and key references it registered."""
    from discovery.registry import PublishRequest, Registry
    from discovery.store import open_store

    url = f"sqlite:///{tmp_path / 'registry.db'}?create=1"
    registry = Registry(open_store(url))
    for name, sdl in (("a", "type Query { hello: String }"), ("wishlist", "type Query { wished: Int }")):
        outcome = registry.publish(PublishRequest(name, f"lambda:bff-snap-{name}", sdl, "test",
                                                  api_key_ref=f"ssm:/bff/snap/keys/{name}"))
        assert outcome.ok, outcome
    build = load_build()
    try:
        graph = build.fallback_from_registry("snap", url)
        assert 'url: "lambda:bff-snap-wishlist"' in graph.read_text()
        entries = json.loads(graph.with_suffix(".services.json").read_text())
        assert {e["name"]: e["api_key_ref"] for e in entries} == {"a": "ssm:/bff/snap/keys/a",
                                                                  "wishlist": "ssm:/bff/snap/keys/wishlist"}
    finally:
        for leftover in build.BUILD.glob("fallback/snap.*"):
            leftover.unlink()
