"""HttpTransport against a real strawberry subgraph under uvicorn, with the
default client and with the httpx fallback (BFF_HTTP_CLIENT=httpx)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
import strawberry
from strawberry.asgi import GraphQL

from gateway.execute.errors import SubgraphFailure
from gateway.execute.transport import HttpTransport
from tests.support.asgi_server import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]


@strawberry.type
class Query:
    @strawberry.field
    def echo(self, text: str) -> str:
        return text

    @strawberry.field
    def fail(self) -> str:
        raise ValueError("nope")


class CountingApp:
    """Records the client address of every HTTP request: one address per connection."""

    def __init__(self) -> None:
        self.graphql = GraphQL(strawberry.Schema(Query))
        self.peers: list[tuple[str, int]] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            if scope["path"] == "/health":
                await send({"type": "http.response.start", "status": 200, "headers": []})
                await send({"type": "http.response.body", "body": b"ok"})
                return
            self.peers.append(tuple(scope["client"]))
        await self.graphql(scope, receive, send)


@pytest.fixture(scope="module")
def subgraph():
    app = CountingApp()
    with serve_in_thread(app, lifespan="off") as server:
        yield app, server


@pytest.fixture(params=["native", "httpx"])
def transport(request, monkeypatch):
    monkeypatch.setenv("BFF_HTTP_CLIENT", request.param)
    t = HttpTransport(timeout=5)
    assert t.client_name == request.param
    return t


async def test_sequential_requests_share_one_connection(subgraph, transport):
    app, server = subgraph
    app.peers.clear()
    for i in range(25):
        answer = await transport.send("echo", server.graphql_url, {"query": "query($t: String!) { echo(text: $t) }",
                                                                   "variables": {"t": f"hi {i}"}})
        assert answer == {"data": {"echo": f"hi {i}"}}
    await transport.aclose()
    assert len(app.peers) == 25
    assert len(set(app.peers)) == 1


async def test_graphql_errors_come_back_as_data(subgraph, transport):
    _, server = subgraph
    answer = await transport.send("echo", server.graphql_url, {"query": "{ fail }"})
    await transport.aclose()
    assert answer["data"] is None
    assert answer["errors"][0]["message"] == "nope"


async def test_concurrent_requests_on_uvicorn(subgraph):
    app, server = subgraph
    app.peers.clear()
    transport = HttpTransport(timeout=10, max_connections=4)
    answers = await asyncio.gather(*(transport.send("echo", server.graphql_url, {"query": f'{{ echo(text: "{i}") }}'})
                                     for i in range(100)))
    await transport.aclose()
    assert [a["data"]["echo"] for a in answers] == [str(i) for i in range(100)]
    assert len(set(app.peers)) <= 4


async def test_unknown_client_name_is_refused(monkeypatch):
    monkeypatch.setenv("BFF_HTTP_CLIENT", "curl")
    with pytest.raises(ValueError, match="BFF_HTTP_CLIENT"):
        HttpTransport()


async def test_default_is_native(monkeypatch):
    monkeypatch.delenv("BFF_HTTP_CLIENT", raising=False)
    assert HttpTransport().client_name == "native"


async def test_unreachable_message_is_the_same_for_both_clients(monkeypatch):
    for name in ("native", "httpx"):
        monkeypatch.setenv("BFF_HTTP_CLIENT", name)
        transport = HttpTransport(timeout=2)
        with pytest.raises(SubgraphFailure) as failure:
            await transport.send("down", "http://127.0.0.1:9/graphql", {"query": "{a}"})
        assert str(failure.value) == 'Subgraph "down" could not be reached'
        await transport.aclose()


def test_httpx_is_not_imported_by_default(subgraph):
    _, server = subgraph
    script = f"""
import asyncio, sys
from gateway.execute.transport import HttpTransport
async def main():
    t = HttpTransport(timeout=5)
    print(await t.send("s", "{server.graphql_url}", {{"query": '{{ echo(text: "x") }}'}}))
    await t.aclose()
asyncio.run(main())
assert "httpx" not in sys.modules, "httpx was imported"
assert "anyio" not in sys.modules, "anyio was imported"
"""
    env = {k: v for k, v in os.environ.items() if k != "BFF_HTTP_CLIENT"}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "'echo': 'x'" in done.stdout


def test_one_transport_across_event_loops(subgraph):
    """Each asyncio.run is a new loop; pooled connections of the old loop are dropped, not reused."""
    app, server = subgraph
    app.peers.clear()
    transport = HttpTransport(timeout=5)
    body = {"query": '{ echo(text: "x") }'}
    for _ in range(3):
        assert asyncio.run(transport.send("echo", server.graphql_url, body)) == {"data": {"echo": "x"}}
    asyncio.run(transport.aclose())
    assert len(set(app.peers)) == 3
