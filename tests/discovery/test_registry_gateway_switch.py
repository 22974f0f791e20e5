"""The gateway follows the registry: cold start from the stored supergraph, swaps under traffic, survives outages."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import orjson
import pytest
from plain_subgraph import plain_subgraph

from discovery.client import open_registry
from discovery.registry import PublishRequest
from gateway.config import GatewayConfig
from gateway.request import GraphQLRequest
from gateway.supergraph_source import GatewaySwitch, SupergraphUnavailable, gateway_builder, with_registry
from tests.support.asgi_server import serve_in_thread

HELLO = "type Query { hello: String }"
WORLD = "type Query { world: String }"


@pytest.fixture(scope="module")
def subgraphs():
    with serve_in_thread(plain_subgraph(HELLO, {"hello": "hi"}), health_path=None) as a, \
            serve_in_thread(plain_subgraph(WORLD, {"world": "earth"}), health_path=None) as b:
        yield a.graphql_url, b.graphql_url


def _publish(registry, name, url, sdl):
    outcome = registry.publish(PublishRequest(name, url, sdl, "test"))
    assert outcome.ok, outcome.problems
    return outcome.version


class _Down:
    """A registry that cannot be reached."""

    def version(self) -> int:
        raise ConnectionError("registry unreachable")

    def supergraph(self):
        raise ConnectionError("registry unreachable")


async def test_switch_swaps_to_new_version_and_keeps_serving_when_registry_goes_down(tmp_path, subgraphs):
    registry = open_registry(f"sqlite:///{tmp_path}/r.db", create=True)
    _publish(registry, "a", subgraphs[0], HELLO)
    switch = await GatewaySwitch.start(registry, gateway_builder(GatewayConfig()), poll_interval=0)
    assert switch.version == 1
    first = await switch.execute(GraphQLRequest("{ hello }"))
    assert first.body == {"data": {"hello": "hi"}}
    old_gateway = switch.gateway
    _publish(registry, "b", subgraphs[1], WORLD)
    assert await switch.refresh() is True
    assert switch.version == 2 and switch.gateway is not old_gateway
    assert (await switch.execute(GraphQLRequest("{ hello world }"))).body == {"data": {"hello": "hi", "world": "earth"}}
    switch.source = _Down()
    response = await switch.execute(GraphQLRequest("{ world }"))  # triggers a refresh that fails
    for _ in range(200):  # the check runs in the background (a thread): up to 10 s on a busy machine
        if switch.last_error:
            break
        await asyncio.sleep(0.05)
    assert response.body == {"data": {"world": "earth"}}
    assert switch.version == 2 and "unreachable" in (switch.last_error or "")
    assert (await switch.execute(GraphQLRequest("{ hello }"))).body == {"data": {"hello": "hi"}}
    await switch.aclose()


async def test_cold_start_uses_the_fallback_when_the_registry_is_down(tmp_path, subgraphs):
    with pytest.raises(SupergraphUnavailable, match="unreachable"):
        await GatewaySwitch.start(_Down(), gateway_builder(GatewayConfig()))
    registry = open_registry(f"sqlite:///{tmp_path}/r.db", create=True)
    _publish(registry, "a", subgraphs[0], HELLO)
    fallback = tmp_path / "bundled.graphql"
    fallback.write_text(registry.supergraph().sdl)
    switch = await GatewaySwitch.start(_Down(), gateway_builder(GatewayConfig()), fallback_path=str(fallback))
    assert switch.version == 0
    assert (await switch.execute(GraphQLRequest("{ hello }"))).body == {"data": {"hello": "hi"}}
    switch.source = registry  # the registry is back: the next check moves to its version
    assert await switch.refresh() is True and switch.version == 1
    await switch.aclose()


async def test_empty_registry_without_fallback_is_a_clear_error(tmp_path):
    with pytest.raises(SupergraphUnavailable, match="nothing is published"):
        await GatewaySwitch.start(open_registry(f"sqlite:///{tmp_path}/r.db", create=True), gateway_builder(GatewayConfig()))


def test_gateway_picks_up_a_new_service_under_traffic_without_failing_a_request(tmp_path, subgraphs, dynamodb_local):
    """A uvicorn-served gateway over DynamoDB Local; clients query throughout a publish."""
    from gateway.http import create_app

    url = f"dynamodb://traffic{int(time.time() * 1000)}?endpoint={dynamodb_local}&region=us-east-1&create=1"
    registry = open_registry(url)
    _publish(registry, "a", subgraphs[0], HELLO)
    config = GatewayConfig()
    switch = asyncio.run(GatewaySwitch.start(open_registry(url), gateway_builder(config), poll_interval=0.05))
    app = with_registry(create_app(switch, config), switch, reload_token="s3cret", background_poll=True)
    failures: list[str] = []
    answers: list[dict] = []
    stop = threading.Event()

    def client(gateway_url: str) -> None:
        with httpx.Client(timeout=10) as http:
            while not stop.is_set():
                r = http.post(gateway_url, json={"query": "{ hello }"})
                if r.status_code != 200 or r.json() != {"data": {"hello": "hi"}}:
                    failures.append(f"{r.status_code} {r.text[:200]}")
                answers.append(r.json())

    with serve_in_thread(app) as server:
        threads = [threading.Thread(target=client, args=(server.graphql_url,)) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        _publish(registry, "b", subgraphs[1], WORLD)
        deadline = time.monotonic() + 10
        seen = None
        while time.monotonic() < deadline:
            seen = httpx.post(server.graphql_url, json={"query": "{ world }"}).json()
            if seen == {"data": {"world": "earth"}}:
                break
            time.sleep(0.05)
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join()
        assert seen == {"data": {"world": "earth"}}
        assert switch.version == 2
        assert failures == [] and len(answers) > 20
        # The explicit reload endpoint: token required, answers the served version.
        assert httpx.post(server.base_url + "/admin/reload").status_code == 401
        reload = httpx.post(server.base_url + "/admin/reload", headers={"authorization": "Bearer s3cret"})
        assert reload.status_code == 200 and reload.json() == {"version": 2, "changed": False}


def test_a_deferred_query_is_served_through_the_switch_and_holds_its_version(tmp_path, subgraphs):
    """`bff serve` with a registry serves through the GatewaySwitch: a multipart/mixed @defer query
    streams its payloads as over a single Gateway, and the version it started on stays open under it."""
    from gateway.http import create_app

    registry = open_registry(f"sqlite:///{tmp_path}/r.db", create=True)
    _publish(registry, "a", subgraphs[0], HELLO)
    _publish(registry, "b", subgraphs[1], WORLD)
    config = GatewayConfig()
    switch = asyncio.run(GatewaySwitch.start(registry, gateway_builder(config), poll_interval=3600))
    with serve_in_thread(create_app(switch, config)) as server, httpx.Client(timeout=10) as http:
        response = http.post(server.graphql_url, json={"query": "{ hello ... @defer { world } }"},
                             headers={"accept": "multipart/mixed"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("multipart/mixed")
        parts = [part.split(b"\r\n\r\n", 1)[1] for part in response.content.split(b"\r\n---")[1:-1]]
        assert [orjson.loads(p) for p in parts] == [
            {"data": {"hello": "hi"}, "hasNext": True},
            {"incremental": [{"data": {"world": "earth"}, "path": []}], "hasNext": False}]
    assert switch._active.inflight == 0  # released when the stream closed
