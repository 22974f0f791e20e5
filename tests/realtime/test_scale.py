"""Subscriptions at scale: one upstream WebSocket per (subgraph, identity) carrying many subscribe ids,
identical subscriptions sharing one upstream id, the `_entities` calls of events handled together merged
into one per subgraph, and an upstream close ending every subscription on the connection with an error.

The subgraphs are real (strawberry under uvicorn) wrapped in `subgraphs.Counting`, which counts the
WebSockets the gateway opens and the `_entities` requests it sends."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.realtime import subgraphs
from tests.realtime.test_protocol import _messages, _open, _wait

SECRET = b"realtime-tests-secret-0123456789abcdef"


@pytest.fixture
def counted(tick_supergraph: str, tick_subgraphs: dict[str, Any]) -> Iterator[tuple[str, Any, Any, Any]]:
    """(supergraph, ticks counter, words counter, stop ticks): fresh counted subgraphs for one test."""
    from services.toolkit.app import asgi_app
    from tests.support.asgi_server import serve_in_thread

    ticks = subgraphs.Counting(asgi_app(subgraphs.ticks_schema()))
    words = subgraphs.Counting(asgi_app(subgraphs.words_schema()))
    with contextlib.ExitStack() as stack:
        ticks_stack = contextlib.ExitStack()
        own_ticks = ticks_stack.enter_context(serve_in_thread(ticks))
        stack.callback(ticks_stack.close)
        own_words = stack.enter_context(serve_in_thread(words))
        supergraph = tick_supergraph.replace(tick_subgraphs["ticks"].graphql_url, own_ticks.graphql_url) \
            .replace(tick_subgraphs["words"].graphql_url, own_words.graphql_url)
        yield supergraph, ticks, words, ticks_stack.close


async def _subscribe(ws: Any, op_id: str, query: str) -> None:
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}}))


async def _events(ws: Any, count: int) -> list[dict]:
    out = []
    while len(out) < count:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert message["type"] == "next", message
        out.append(message)
    return out


async def test_one_upstream_connection_carries_every_subscription(tick_gateway: Any, counted: Any) -> None:
    supergraph, ticks, words, _ = counted
    with tick_gateway(supergraph=supergraph) as (server, _app):
        clients = [await _open(server) for _ in range(3)]
        for c, ws in enumerate(clients):
            for s in range(2):  # six different subscriptions (not deduplicated)
                await _subscribe(ws, str(s), f"subscription {{ ticks(count: 3, intervalMs: {20 + 5 * (2 * c + s)}) "
                                             "{ n word } }")
        for ws in clients:
            messages = []
            while sum(m["type"] == "complete" for m in messages) < 2:
                messages.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
            for op_id in ("0", "1"):
                ticks_seen = [m["payload"]["data"]["ticks"] for m in messages if m["id"] == op_id
                              and m["type"] == "next"]
                assert ticks_seen == [{"n": n, "word": f"word {n}"} for n in (1, 2, 3)]
        assert ticks.sockets == 1  # one WebSocket to the subgraph for six subscriptions of one identity
        await _wait(lambda: ticks.open == 0, "the upstream socket to close after its last subscription")
        # Opened again lazily for the next subscription.
        await _subscribe(clients[0], "9", "subscription { ticks(count: 1, intervalMs: 10) { n } }")
        assert [m["type"] for m in await _messages(clients[0], "complete", "9")] == ["next", "complete"]
        assert ticks.sockets == 2
        for ws in clients:
            await ws.close()


async def test_identical_subscriptions_share_one_stream_and_one_entities_call(tick_gateway: Any,
                                                                             counted: Any) -> None:
    supergraph, ticks, words, _ = counted
    query = "subscription { ticks(intervalMs: 150) { n word } }"
    with tick_gateway(supergraph=supergraph) as (server, _app):
        clients = [await _open(server) for _ in range(5)]
        for ws in clients:
            await _subscribe(ws, "1", query)
        for ws in clients:
            await _events(ws, 1)
        assert subgraphs.ACTIVE["ticks"] == 1  # one upstream id fanned out to five subscribers
        posts = words.posts
        seen = [[m["payload"]["data"]["ticks"] for m in await _events(ws, 4)] for ws in clients]
        calls = words.posts - posts
        numbers = {t["n"] for events in seen for t in events}
        assert all(t["word"] == f"word {t['n']}" for events in seen for t in events)
        # One _entities call per event for the five subscribers (not five); one spare for timing.
        assert calls <= len(numbers) + 1, (calls, numbers)
        for ws in clients[1:]:
            await ws.send(json.dumps({"id": "1", "type": "complete"}))
            await ws.close()
        await _events(clients[0], 2)  # the remaining subscriber still gets its events
        assert subgraphs.ACTIVE["ticks"] == 1
        await clients[0].close()
        await _wait(lambda: subgraphs.ACTIVE["ticks"] == 0 and ticks.open == 0, "the stream and socket to end")
        assert ticks.sockets == 1


async def test_dedupe_off_keeps_one_stream_per_subscription(tick_gateway: Any, counted: Any) -> None:
    supergraph, ticks, _words, _ = counted
    with tick_gateway(supergraph=supergraph, subscription_dedupe=False) as (server, _app):
        clients = [await _open(server) for _ in range(3)]
        for ws in clients:
            await _subscribe(ws, "1", "subscription { ticks(intervalMs: 50) { n } }")
        for ws in clients:
            await _events(ws, 1)
        assert subgraphs.ACTIVE["ticks"] == 3 and ticks.sockets == 1
        for ws in clients:
            await ws.close()
        await _wait(lambda: subgraphs.ACTIVE["ticks"] == 0 and ticks.open == 0, "the streams to end")


async def test_multiplex_off_opens_one_socket_per_subscription(tick_gateway: Any, counted: Any) -> None:
    supergraph, ticks, _words, _ = counted
    with tick_gateway(supergraph=supergraph, subscription_multiplex=False) as (server, _app):
        ws = await _open(server)
        for op_id in ("1", "2"):
            await _subscribe(ws, op_id, "subscription { ticks(count: 2, intervalMs: 20) { n word } }")
        messages = []
        while sum(m["type"] == "complete" for m in messages) < 2:
            messages.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
        assert ticks.sockets == 2
        await ws.close()


async def test_each_identity_gets_its_own_upstream_connection(tick_gateway: Any, counted: Any) -> None:
    from gateway.auth.authenticate import Authenticator
    from gateway.auth.config import AuthConfig
    from tests.auth.idp import AUDIENCE, ISSUER, claims, hs256_token

    supergraph, ticks, _words, _ = counted
    auth = Authenticator(AuthConfig(hs256_secret=SECRET, issuer=ISSUER, audiences=(AUDIENCE,),
                                    allow_anonymous=False))
    query = "subscription { ticks(intervalMs: 50) { n word } }"
    with tick_gateway(supergraph=supergraph, auth=auth, identity_secret="s" * 40) as (server, _app):
        clients = []
        for sub in ("user-a", "user-b", "user-a"):
            ws = await _open(server, payload={"Authorization": f"Bearer {hs256_token(SECRET, claims(sub=sub))}"})
            await _subscribe(ws, "1", query)
            clients.append(ws)
        for ws in clients:
            await _events(ws, 2)
        # user-a's two subscriptions share a socket (and a stream); user-b never rides on user-a's.
        assert ticks.sockets == 2
        assert len(set(ticks.principals)) == 2 and None not in ticks.principals
        assert subgraphs.ACTIVE["ticks"] == 2
        for ws in clients:
            await ws.close()
        await _wait(lambda: ticks.open == 0, "the sockets to close")


async def test_upstream_close_ends_every_subscription_on_it(tick_gateway: Any, counted: Any) -> None:
    supergraph, ticks, _words, stop_ticks = counted
    with tick_gateway(supergraph=supergraph) as (server, _app):
        clients = [await _open(server) for _ in range(2)]
        for c, ws in enumerate(clients):
            for op_id in ("1", "2"):
                await _subscribe(ws, op_id, f"subscription {{ ticks(intervalMs: {20 + c + int(op_id)}) {{ n }} }}")
        for ws in clients:
            await _events(ws, 2)
        assert ticks.sockets == 1
        await asyncio.to_thread(stop_ticks)  # the subgraph server stops: it closes its WebSocket
        for ws in clients:
            ended: dict[str, dict] = {}
            while len(ended) < 2:
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if message["type"] != "next":
                    ended[message["id"]] = message
            for message in ended.values():
                assert message["type"] == "error", message
                assert message["payload"][0]["extensions"]["code"] in ("SUBSCRIPTION_SOURCE_CLOSED",
                                                                       "SUBSCRIPTION_SOURCE_FAILED")
                assert 'Subgraph "ticks"' in message["payload"][0]["message"]
            await ws.close()


async def test_entities_of_events_arriving_together_are_one_call() -> None:
    """Two runs' `_entities` calls in one tick (different representations, one shared) become one call whose
    answer is split back: each gets its entities in its order and the errors at its own indexes."""
    from gateway.realtime.batch import EntityBatcher

    sent: list[dict] = []

    class Transport:
        async def send(self, service: str, url: str, body: dict, headers: Any = None, call: Any = None) -> dict:
            sent.append(body)
            reps = body["variables"]["representations"]
            return {"data": {"_entities": [{"word": f"word {r['n']}"} for r in reps]},
                    "errors": [{"message": "no", "path": ["_entities", 1, "word"]}, {"message": "general"}]}

    batcher = EntityBatcher(Transport())
    query = "query($representations:[_Any!]!){_entities(representations:$representations){...on Tick{word}}}"

    def body(*ns: int) -> dict:
        return {"query": query, "variables": {"representations": [{"__typename": "Tick", "n": n} for n in ns]}}

    first, second, other_identity = await asyncio.gather(
        batcher.send("words", "http://w/graphql", body(1, 2), {"traceparent": "00-a"}),
        batcher.send("words", "http://w/graphql", body(2, 3), {"traceparent": "00-b"}),
        batcher.send("words", "http://w/graphql", body(1), {"x-bff-principal": "someone"}))
    assert len(sent) == 2  # the two anonymous runs merged; the other identity alone
    assert sent[0]["variables"]["representations"] == [{"__typename": "Tick", "n": n} for n in (1, 2, 3)]
    assert first["data"]["_entities"] == [{"word": "word 1"}, {"word": "word 2"}]
    assert second["data"]["_entities"] == [{"word": "word 2"}, {"word": "word 3"}]
    assert first["errors"] == [{"message": "no", "path": ["_entities", 1, "word"]}, {"message": "general"}]
    assert second["errors"] == [{"message": "no", "path": ["_entities", 0, "word"]}, {"message": "general"}]
    assert other_identity["data"]["_entities"] == [{"word": "word 1"}]
    assert (batcher.requests, batcher.calls) == (3, 2)


async def test_a_full_upstream_connection_opens_another(tick_gateway: Any, counted: Any) -> None:
    """Subgraph servers cap the operations on one socket (strawberry refuses the 101st): past
    `subscription_upstream_per_connection` ids the same identity gets another connection, and an identical
    subscription still joins the running stream wherever it is."""
    supergraph, ticks, _words, _ = counted
    with tick_gateway(supergraph=supergraph, subscription_upstream_per_connection=2) as (server, _app):
        ws = await _open(server)
        for i in range(5):
            await _subscribe(ws, str(i), f"subscription {{ ticks(intervalMs: {40 + i}) {{ n word }} }}")
        await _subscribe(ws, "same", "subscription { ticks(intervalMs: 40) { n word } }")  # joins stream 0
        seen: dict[str, int] = {}
        while len(seen) < 6:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert message["type"] == "next", message
            seen[message["id"]] = seen.get(message["id"], 0) + 1
        assert ticks.sockets == 3 and subgraphs.ACTIVE["ticks"] == 5
        await ws.close()
        await _wait(lambda: ticks.open == 0 and subgraphs.ACTIVE["ticks"] == 0, "the sockets to close")


async def test_one_failing_stream_leaves_the_others_on_the_connection_running(tick_gateway: Any,
                                                                               counted: Any) -> None:
    supergraph, ticks, _words, _ = counted
    with tick_gateway(supergraph=supergraph) as (server, _app):
        ws = await _open(server)
        await _subscribe(ws, "live", "subscription { ticks(intervalMs: 30) { n word } }")
        await _subscribe(ws, "broken", "subscription { failAfter(n: 2) { n word } }")
        ended = None
        after = 0
        while after < 3:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if message["id"] == "broken" and message["type"] in ("error", "complete"):
                ended = ended or message
            elif message["id"] == "live" and ended is not None:
                assert message["type"] == "next", message
                after += 1  # events keep coming on the same upstream socket after the other stream broke
        assert ended is not None and ticks.sockets == 1
        await ws.close()
