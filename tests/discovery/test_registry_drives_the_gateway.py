"""The registry drives the gateway (issue 11 item 1): endpoints and API-key references come from the
published entries, and a registry graph lacking (or adding) a service the configuration names never
stops the gateway from serving the rest."""

from __future__ import annotations

import json
import logging

import pytest
from plain_subgraph import plain_subgraph

from discovery.client import open_registry
from discovery.registry import PublishRequest
from gateway.config import GatewayConfig
from gateway.request import GraphQLRequest
from gateway.supergraph_source import GatewaySwitch, gateway_builder
from tests.support.asgi_server import serve_in_thread

HELLO = "type Query { hello: String }"
WORLD = "type Query { world: String }"


def keyed(app, key: str):
    """The subgraph behind an X-API-Key check, as the example services do (401 without the key)."""

    async def guarded(scope, receive, send):
        headers = dict(scope.get("headers", ()))
        if scope["type"] == "http" and headers.get(b"x-api-key") != key.encode():
            body = json.dumps({"errors": [{"message": "bad key", "extensions": {"code": "UNAUTHENTICATED"}}]}).encode()
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return guarded


@pytest.fixture(scope="module")
def subgraphs():
    with serve_in_thread(keyed(plain_subgraph(HELLO, {"hello": "hi"}), "key-a"), health_path=None) as a, \
            serve_in_thread(keyed(plain_subgraph(WORLD, {"world": "earth"}), "key-b"), health_path=None) as b:
        yield a.graphql_url, b.graphql_url


def _publish(registry, name, url, sdl, ref=None):
    outcome = registry.publish(PublishRequest(name, url, sdl, "test", api_key_ref=ref))
    assert outcome.ok, outcome.problems


async def test_published_key_references_reach_the_services(tmp_path, subgraphs, monkeypatch):
    monkeypatch.setenv("BFF_KEY_A", "key-a")
    monkeypatch.setenv("BFF_KEY_B", "key-b")
    registry = open_registry(f"sqlite:///{tmp_path}/r.db", create=True)
    _publish(registry, "a", subgraphs[0], HELLO, "env:BFF_KEY_A")
    switch = await GatewaySwitch.start(registry, gateway_builder(GatewayConfig()), poll_interval=0)
    assert (await switch.execute(GraphQLRequest("{ hello }"))).body == {"data": {"hello": "hi"}}
    # A new service's endpoint and key reference come with its entry: no gateway setting, no restart.
    _publish(registry, "b", subgraphs[1], WORLD, "env:BFF_KEY_B")
    assert await switch.refresh() is True
    assert (await switch.execute(GraphQLRequest("{ hello world }"))).body == {"data": {"hello": "hi", "world": "earth"}}
    await switch.aclose()


async def test_a_configured_key_overrides_the_published_reference(tmp_path, subgraphs, monkeypatch):
    monkeypatch.setenv("BFF_KEY_WRONG", "not-the-key")
    monkeypatch.setenv("BFF_KEY_A", "key-a")
    registry = open_registry(f"sqlite:///{tmp_path}/r.db", create=True)
    _publish(registry, "a", subgraphs[0], HELLO, "env:BFF_KEY_WRONG")
    config = GatewayConfig(subgraph_api_keys={"a": "env:BFF_KEY_A"})
    switch = await GatewaySwitch.start(registry, gateway_builder(config), poll_interval=0)
    assert (await switch.execute(GraphQLRequest("{ hello }"))).body == {"data": {"hello": "hi"}}
    await switch.aclose()


async def test_an_unresolvable_published_reference_costs_that_service_only(tmp_path, subgraphs, monkeypatch, caplog):
    monkeypatch.setenv("BFF_KEY_A", "key-a")
    monkeypatch.delenv("BFF_KEY_MISSING", raising=False)
    registry = open_registry(f"sqlite:///{tmp_path}/r.db", create=True)
    _publish(registry, "a", subgraphs[0], HELLO, "env:BFF_KEY_A")
    _publish(registry, "b", subgraphs[1], WORLD, "env:BFF_KEY_MISSING")
    with caplog.at_level(logging.WARNING, logger="bff.supergraph"):
        switch = await GatewaySwitch.start(registry, gateway_builder(GatewayConfig()), poll_interval=0)
    assert "BFF_KEY_MISSING" in caplog.text
    response = await switch.execute(GraphQLRequest("{ hello world }"))
    assert response.body["data"] == {"hello": "hi", "world": None}  # b refuses the keyless call; a answers
    await switch.aclose()


async def test_settings_for_a_service_missing_from_the_graph_do_not_stop_it(tmp_path, subgraphs, monkeypatch, caplog):
    """Today's 503 on every cold container: a pinned name the registry's graph lacks."""
    monkeypatch.setenv("BFF_KEY_A", "key-a")
    registry = open_registry(f"sqlite:///{tmp_path}/r.db", create=True)
    _publish(registry, "a", subgraphs[0], HELLO, "env:BFF_KEY_A")
    config = GatewayConfig(subgraph_urls={"reviews": "lambda:bff-dev-reviews"},
                           subgraph_api_keys={"reviews": "env:BFF_NOT_SET"},
                           subgraph_timeouts={"reviews": 2.0})
    with caplog.at_level(logging.WARNING, logger="bff.supergraph"):
        switch = await GatewaySwitch.start(registry, gateway_builder(config), poll_interval=0)
    assert "reviews" in caplog.text and "ignored" in caplog.text
    assert (await switch.execute(GraphQLRequest("{ hello }"))).body == {"data": {"hello": "hi"}}
    await switch.aclose()


def test_a_static_supergraph_still_refuses_a_mistyped_name(tmp_path, subgraphs):
    from gateway.gateway import Gateway

    registry = open_registry(f"sqlite:///{tmp_path}/r.db", create=True)
    _publish(registry, "a", subgraphs[0], HELLO)
    with pytest.raises(ValueError, match='"acounts" has a URL configured'):
        Gateway(registry.supergraph().sdl, GatewayConfig(subgraph_urls={"acounts": "http://x/graphql"}))
