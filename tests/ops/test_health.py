"""/health says "degraded" with reasons while still 200, /ready is 503 until a graph is loaded: each reason
produced by a real failing part (a JWKS URL on a closed port, a registry that goes away, a fallback file,
a subgraph whose circuit opens), under uvicorn and through the Lambda handler."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import httpx
import pytest

from discovery.http_api import ApiConfig, create_registry_app
from gateway.auth.authenticate import Authenticator
from gateway.auth.config import AuthConfig
from gateway.config import GatewayConfig
from gateway.gateway import Gateway
from gateway.http import create_app, lambda_handler
from gateway.supergraph_source import GatewaySwitch, gateway_builder
from tests.discovery.plain_subgraph import plain_subgraph
from tests.support.asgi_server import serve_in_thread
from tests.support.lambda_events import http_api_v2_event, invoke

from .conftest import HELLO, closed_port, publish

ANONYMOUS = Authenticator(AuthConfig(allow_anonymous=True))


def _codes(body: dict) -> list[str]:
    return [r["code"] for r in body.get("reasons", ())]


def _until(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


@pytest.fixture
def hello():
    with serve_in_thread(plain_subgraph(HELLO, {"hello": "hi"}), health_path=None) as server:
        yield server.graphql_url


def test_jwks_unreachable_is_degraded_and_clears_when_the_idp_answers(registry, hello):
    publish(registry, "hello", hello, HELLO)
    port = closed_port()
    auth = Authenticator(AuthConfig(jwks_url=f"http://127.0.0.1:{port}/jwks.json", issuer="https://idp.test/",
                                    audiences=("api",), allow_anonymous=True, jwks_min_refresh_interval=0.0,
                                    jwks_timeout=2.0))
    gateway = Gateway(registry.supergraph().sdl, GatewayConfig())
    with serve_in_thread(create_app(gateway, GatewayConfig(), auth)) as server:
        health = httpx.get(f"{server.base_url}/health")
        assert health.status_code == 200
        assert health.json()["status"] == "degraded" and _codes(health.json()) == ["JWKS_UNREACHABLE"]
        assert str(port) not in health.text  # details go to the log, not to an open endpoint
        # the gateway still serves anonymous callers
        assert httpx.post(server.graphql_url, json={"query": "{ hello }"}).json() == {"data": {"hello": "hi"}}

        async def jwks(scope, receive, send):
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": json.dumps({"keys": []}).encode()})

        with serve_in_thread(jwks, port=port, health_path=None):
            assert _until(lambda: httpx.get(f"{server.base_url}/health").json() == {"status": "ok"})


def test_registry_going_away_then_fallback_at_a_cold_start(registry, hello, tmp_path):
    from discovery.client import open_registry
    from gateway.supergraph_source import with_registry

    publish(registry, "hello", hello, HELLO)
    api = create_registry_app(registry, ApiConfig(open_reads=True))
    with contextlib.ExitStack() as registry_running:
        registry_server = registry_running.enter_context(serve_in_thread(api, health_path=None))
        switch = asyncio.run(GatewaySwitch.start(open_registry(registry_server.base_url),
                                                 gateway_builder(GatewayConfig()), poll_interval=0.2))
        app = with_registry(create_app(switch, GatewayConfig(), ANONYMOUS), switch, background_poll=True)
        with serve_in_thread(app, lifespan="on") as server:
            assert httpx.get(f"{server.base_url}/health").json() == {"status": "ok"}
            assert httpx.get(f"{server.base_url}/ready").json() == {"status": "ready", "version": 1}
            registry_running.close()  # the registry's server stops: the next background check fails
            body = _until(lambda: "REGISTRY_UNREACHABLE" in _codes(b := httpx.get(f"{server.base_url}/health").json())
                          and b)
            assert body and body["status"] == "degraded"
            # the last good graph still serves
            assert httpx.post(server.graphql_url, json={"query": "{ hello }"}).json() == {"data": {"hello": "hi"}}

    # A cold start while the registry is down: the bundled fallback serves, and /health says so.
    fallback = tmp_path / "bundled.graphql"
    fallback.write_text(registry.supergraph().sdl)
    down = open_registry(f"http://127.0.0.1:{closed_port()}")
    switch = asyncio.run(GatewaySwitch.start(down, gateway_builder(GatewayConfig()), fallback_path=str(fallback)))
    with serve_in_thread(create_app(switch, GatewayConfig(), ANONYMOUS)) as server:
        body = httpx.get(f"{server.base_url}/health").json()
        assert body["status"] == "degraded"
        assert set(_codes(body)) == {"FALLBACK_SUPERGRAPH", "REGISTRY_UNREACHABLE"}
        assert httpx.get(f"{server.base_url}/ready").json() == {"status": "ready", "version": 0}
        assert httpx.post(server.graphql_url, json={"query": "{ hello }"}).json() == {"data": {"hello": "hi"}}


def test_an_open_circuit_is_degraded_and_clears_when_the_subgraph_is_back(registry):
    port = closed_port()
    publish(registry, "hello", f"http://127.0.0.1:{port}/graphql", HELLO)
    config = GatewayConfig(subgraph_retries=0, breaker_threshold=2, breaker_open_seconds=0.5)
    gateway = Gateway(registry.supergraph().sdl, config)
    with serve_in_thread(create_app(gateway, config, ANONYMOUS)) as server:
        for _ in range(2):  # the subgraph is down: two failures open its circuit
            answer = httpx.post(server.graphql_url, json={"query": "{ hello }"}).json()
            assert answer["data"] == {"hello": None}
        health = httpx.get(f"{server.base_url}/health")
        assert health.status_code == 200 and health.json()["status"] == "degraded"
        [reason] = health.json()["reasons"]
        assert reason["code"] == "CIRCUIT_OPEN" and reason["subgraph"] == "hello"
        with serve_in_thread(plain_subgraph(HELLO, {"hello": "back"}), port=port, health_path=None):
            time.sleep(0.6)  # the open period ends: the next request is the probe, which succeeds
            assert httpx.post(server.graphql_url, json={"query": "{ hello }"}).json() == {"data": {"hello": "back"}}
            assert httpx.get(f"{server.base_url}/health").json() == {"status": "ok"}


def test_ready_is_503_until_the_first_graph_loads_on_lambda(registry, hello, monkeypatch, tmp_path):
    """The Lambda handler (mangum, no lifespan): the registry is down at the cold start and there is no
    fallback, so /ready and /health are 503; once the registry answers, the next /ready loads the graph."""
    publish(registry, "hello", hello, HELLO)
    api = create_registry_app(registry, ApiConfig(open_reads=True))
    port = closed_port()
    monkeypatch.setenv("BFF_REGISTRY", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("BFF_SUPERGRAPH", raising=False)
    monkeypatch.setattr(lambda_handler, "_handler", None)
    monkeypatch.setattr(lambda_handler, "_gateway_factory", lambda_handler._build_gateway)
    [ready] = invoke(http_api_v2_event("GET", path="/ready"))
    assert ready["statusCode"] == 503
    body = json.loads(ready["body"])
    assert body["status"] == "unavailable" and body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    [health] = invoke(http_api_v2_event("GET", path="/health"))
    assert health["statusCode"] == 503
    with serve_in_thread(api, port=port, health_path=None):
        [ready] = invoke(http_api_v2_event("GET", path="/ready"))
        assert ready["statusCode"] == 200 and json.loads(ready["body"]) == {"status": "ready", "version": 1}
        [health] = invoke(http_api_v2_event("GET", path="/health"))
        assert health["statusCode"] == 200 and json.loads(health["body"]) == {"status": "ok"}
