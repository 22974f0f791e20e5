"""When the gateway is built and closed: lifespan, lazy factories, /health."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from http_doubles import FakeGateway, ServerFailedToStart, serve

from gateway.config import GatewayConfig
from gateway.http import create_app


class Factory:
    """An async gateway factory that fails its first `failures` calls."""

    def __init__(self, failures: int = 0, delay: float = 0.0) -> None:
        self.failures = failures
        self.delay = delay
        self.calls = 0
        self.built: list[FakeGateway] = []
        self._lock = threading.Lock()

    async def __call__(self) -> FakeGateway:
        with self._lock:
            self.calls += 1
            failing = self.calls <= self.failures
        if self.delay:
            await asyncio.sleep(self.delay)
        if failing:
            raise FileNotFoundError("supergraph.graphql")
        gateway = FakeGateway()
        self.built.append(gateway)
        return gateway


def test_lifespan_builds_the_gateway_at_startup_and_closes_it_at_shutdown():
    factory = Factory()
    with serve(create_app(factory, GatewayConfig()), lifespan="on") as url:
        assert factory.calls == 1  # before any request
        assert httpx.get(f"{url}/health").json() == {"status": "ok"}
        response = httpx.post(f"{url}/graphql", json={"query": "{ hello }"})
        assert response.status_code == 200
        assert not factory.built[0].closed
    assert factory.built[0].closed
    assert factory.calls == 1


def test_lifespan_closes_a_gateway_passed_in():
    fake = FakeGateway()
    with serve(create_app(fake, GatewayConfig()), lifespan="on"):
        pass
    assert fake.closed


def test_startup_fails_when_the_gateway_cannot_be_built():
    with pytest.raises(ServerFailedToStart):
        with serve(create_app(Factory(failures=1), GatewayConfig()), lifespan="on"):
            pass


def test_without_lifespan_the_first_request_builds_the_gateway_and_failures_are_retried():
    factory = Factory(failures=1)
    with serve(create_app(factory, GatewayConfig()), lifespan="off") as url:
        assert factory.calls == 0
        health = httpx.get(f"{url}/health")
        assert health.status_code == 503
        assert health.json()["status"] == "unavailable"
        assert health.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert "supergraph.graphql" not in health.text  # no internals leak

        response = httpx.post(f"{url}/graphql", json={"query": "{ hello }"})
        assert response.status_code == 200  # second attempt succeeded
        assert httpx.get(f"{url}/health").status_code == 200
        assert factory.calls == 2


def test_graphql_is_503_while_the_gateway_cannot_be_built():
    factory = Factory(failures=10)
    with serve(create_app(factory, GatewayConfig()), lifespan="off") as url:
        response = httpx.post(f"{url}/graphql", json={"query": "{ hello }"},
                              headers={"accept": "application/graphql-response+json"})
        assert response.status_code == 503
        assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert "data" not in response.json()


def test_concurrent_first_requests_build_the_gateway_once():
    factory = Factory(delay=0.2)
    with serve(create_app(factory, GatewayConfig()), lifespan="off") as url:
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: httpx.post(f"{url}/graphql", json={"query": "{ a }"}).status_code, range(8)))
    assert statuses == [200] * 8
    assert factory.calls == 1


async def test_health_is_503_after_shutdown():
    fake = FakeGateway()
    app = create_app(fake, GatewayConfig())
    inbox: asyncio.Queue = asyncio.Queue()
    outbox: list[dict] = []

    async def send(message):
        outbox.append(message)

    await inbox.put({"type": "lifespan.startup"})
    await inbox.put({"type": "lifespan.shutdown"})
    await asyncio.wait_for(app({"type": "lifespan", "asgi": {"version": "3.0"}}, inbox.get, send), 5)
    assert [m["type"] for m in outbox] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert fake.closed

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        assert (await client.get("/health")).status_code == 503
        assert (await client.post("/graphql", json={"query": "{ a }"})).status_code == 503


def test_a_bug_in_the_http_layer_is_a_graphql_500_and_the_app_keeps_serving():
    class Exploding(FakeGateway):
        async def execute(self, request):
            response = await super().execute(request)
            if "explode" in (request.query or ""):
                response.headers = None  # not a dict: the HTTP layer itself fails on it
            return response

    with serve(create_app(Exploding(), GatewayConfig())) as url:
        response = httpx.post(f"{url}/graphql", json={"query": "{ explode }"})
        assert response.status_code == 500
        assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        assert "Traceback" not in response.text
        assert httpx.post(f"{url}/graphql", json={"query": "{ fine }"}).status_code == 200
