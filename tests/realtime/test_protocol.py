"""graphql-transport-ws and SSE protocol behaviour, bad input and limits, through a real WebSocket client (the
`websockets` library, which lets a test send what a well-behaved client never would) against the gateway app under
uvicorn over the `ticks` and `words` subgraphs."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.realtime import subgraphs
from tests.realtime.conftest import ws_url

PROTOCOL = ["graphql-transport-ws"]
TICKS = "subscription { ticks(count: 3, intervalMs: 20) { n label word } }"


async def _open(server: Any, init: bool = True, payload: dict | None = None) -> Any:
    ws = await connect(ws_url(server), subprotocols=PROTOCOL)  # type: ignore[arg-type]
    if init:
        await ws.send(json.dumps({"type": "connection_init", **({"payload": payload} if payload else {})}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "connection_ack"}
    return ws


async def _closed_with(ws: Any) -> tuple[int, str]:
    try:
        while True:
            await asyncio.wait_for(ws.recv(), 10)
    except ConnectionClosed as closed:
        assert closed.rcvd is not None
        return closed.rcvd.code, closed.rcvd.reason


async def _messages(ws: Any, until: str, op_id: str = "1") -> list[dict]:
    out = []
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        out.append(message)
        if message.get("id") == op_id and message["type"] in (until, "error"):
            return out


async def _wait(condition: Any, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def test_events_entity_fields_and_completion(tick_gateway: Any) -> None:
    with tick_gateway() as (server, _):
        ws = await _open(server)
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": TICKS}}))
        messages = await _messages(ws, "complete")
        assert [m["type"] for m in messages] == ["next", "next", "next", "complete"]
        assert [m["payload"] for m in messages[:3]] == [
            {"data": {"ticks": {"n": i, "label": f"tick {i}", "word": f"word {i}"}}} for i in (1, 2, 3)]
        await ws.close()


@pytest.mark.parametrize("messages, code, reason", [
    ([{"type": "subscribe", "id": "1", "payload": {"query": TICKS}}], 4401, "Unauthorized"),
    (["not json"], 4400, "Invalid message: not JSON"),
    ([{"type": "connection_init"}, {"type": "connection_init"}], 4429, "Too many initialisation requests"),
    ([{"type": "connection_init"}, {"type": "what"}], 4400, "Unknown message type 'what'"),
    ([{"type": "connection_init"}, {"type": "subscribe", "payload": {"query": TICKS}}], 4400,
     "subscribe needs an id (a non-empty string)"),
    ([{"type": "connection_init"}, {"type": "subscribe", "id": "1"}], 4400, "subscribe needs a payload object"),
    ([{"type": "connection_init", "payload": "x"}], 4400, "connection_init payload must be an object"),
])
async def test_bad_messages_close_with_the_protocol_codes(tick_gateway: Any, messages: list, code: int,
                                                          reason: str) -> None:
    with tick_gateway() as (server, _):
        ws = await _open(server, init=False)
        for message in messages:
            await ws.send(message if isinstance(message, str) else json.dumps(message))
        assert await _closed_with(ws) == (code, reason)


async def test_duplicate_id_closes_4409_and_leaks_no_source_stream(tick_gateway: Any) -> None:
    with tick_gateway() as (server, _):
        ws = await _open(server)
        forever = {"query": "subscription { ticks(intervalMs: 20) { n } }"}
        await ws.send(json.dumps({"id": "x", "type": "subscribe", "payload": forever}))
        assert json.loads(await ws.recv())["type"] == "next"
        await ws.send(json.dumps({"id": "x", "type": "subscribe", "payload": forever}))
        assert await _closed_with(ws) == (4409, "Subscriber for x already exists")
        await _wait(lambda: subgraphs.ACTIVE["ticks"] == 0, "the subgraph stream to close")


async def test_no_connection_init_closes_4408(tick_gateway: Any) -> None:
    with tick_gateway(subscription_init_timeout=0.3) as (server, _):
        ws = await _open(server, init=False)
        started = time.monotonic()
        assert await _closed_with(ws) == (4408, "Connection initialisation timeout")
        assert time.monotonic() - started < 3


async def test_other_subprotocol_is_refused_4406(tick_gateway: Any) -> None:
    with tick_gateway() as (server, _):
        ws = await connect(ws_url(server), subprotocols=["graphql-ws"])  # type: ignore[list-item]
        assert await _closed_with(ws) == (4406, "Subprotocol not acceptable")


async def test_unknown_field_and_query_over_websocket(tick_gateway: Any) -> None:
    with tick_gateway() as (server, _):
        ws = await _open(server)
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "subscription { nope }"}}))
        [error] = await _messages(ws, "error")
        assert error["type"] == "error" and error["payload"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ hello ping }"}}))
        assert await _messages(ws, "complete") == [
            {"id": "1", "type": "next", "payload": {"data": {"hello": "hello", "ping": "pong"}}},
            {"id": "1", "type": "complete"}]
        await ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": {"query": 7}}))
        [error] = await _messages(ws, "error", "2")
        assert error["payload"] == [{"message": '"query" must be a string.', "extensions": {"code": "BAD_REQUEST"}}]
        await ws.close()


async def test_source_failure_and_subgraph_stream_end(tick_gateway: Any) -> None:
    with tick_gateway() as (server, _):
        ws = await _open(server)
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": "subscription { failAfter(n: 2) { n word } }"}}))
        messages = await _messages(ws, "complete")
        assert [m["payload"]["data"]["failAfter"]["word"] for m in messages if m["type"] == "next"
                and m["payload"].get("data")] == ["word 1", "word 2"]
        # The source broke: the client hears about it (an error in the stream, or the error message).
        last = messages[-1]
        errors = last["payload"] if last["type"] == "error" else messages[-2]["payload"].get("errors")
        assert errors, messages
        # The connection stays usable for other operations.
        await ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": {"query": TICKS}}))
        assert [m["type"] for m in await _messages(ws, "complete", "2")] == ["next", "next", "next", "complete"]
        await ws.close()


async def test_per_connection_and_connection_limits(tick_gateway: Any) -> None:
    with tick_gateway(subscription_max_per_connection=2, subscription_max_connections=2) as (server, _):
        ws = await _open(server)
        forever = {"query": "subscription { ticks(intervalMs: 50) { n } }"}
        for op in ("a", "b", "c"):
            await ws.send(json.dumps({"id": op, "type": "subscribe", "payload": forever}))
        refused = await _messages(ws, "error", "c")
        assert refused[-1]["payload"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
        second = await _open(server)
        third = await connect(ws_url(server), subprotocols=PROTOCOL)  # type: ignore[arg-type]
        assert await _closed_with(third) == (1013, "Too many connections")
        sse = httpx.post(f"{server.base_url}/graphql", json={"query": TICKS}, headers={"accept": "text/event-stream"})
        assert sse.status_code == 503 and sse.json()["errors"][0]["extensions"]["code"] == "TOO_MANY_CONNECTIONS"
        await second.close()
        await ws.close()
        await _wait(lambda: subgraphs.ACTIVE["ticks"] == 0, "the subgraph streams to close")


async def test_keepalive_pings_and_pong(tick_gateway: Any) -> None:
    with tick_gateway(subscription_keepalive=0.1) as (server, _):
        ws = await _open(server)
        assert json.loads(await asyncio.wait_for(ws.recv(), 2)) == {"type": "ping"}
        await ws.send(json.dumps({"type": "ping"}))
        seen = [json.loads(await asyncio.wait_for(ws.recv(), 2)) for _ in range(3)]
        assert {"type": "pong"} in seen
        await ws.close()


async def test_client_that_never_reads_is_cut_off_others_unaffected(tick_gateway: Any) -> None:
    with tick_gateway(subscription_buffer=8) as (server, _):
        # A client that stops reading: tiny receive window, big events arriving every 5 ms.
        slow = await connect(ws_url(server), subprotocols=PROTOCOL, max_queue=1,  # type: ignore[arg-type]
                             max_size=None)
        slow.transport.set_write_buffer_limits(0)
        await slow.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await slow.recv())["type"] == "connection_ack"
        slow.transport.pause_reading()
        await slow.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": "subscription { ticks(intervalMs: 5, size: 65536) { n padding } }"}}))
        fine = await _open(server)
        await fine.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": TICKS}}))
        assert [m["type"] for m in await _messages(fine, "complete")] == ["next", "next", "next", "complete"]
        # The slow client's subscription is ended by the gateway: its subgraph stream closes.
        await _wait(lambda: subgraphs.ACTIVE["ticks"] == 0, "the slow client's subgraph stream to close", 20)
        slow.transport.resume_reading()
        messages: list[dict] = []
        while not messages or messages[-1]["type"] in ("next", "ping"):
            messages.append(json.loads(await asyncio.wait_for(slow.recv(), 10)))
            if messages[-1]["type"] == "ping":  # the gateway asks whether we read: we answer, as clients must
                await slow.send(json.dumps({"type": "pong"}))
        assert messages[-1]["type"] == "error"
        assert messages[-1]["payload"][0]["extensions"]["code"] == "SUBSCRIPTION_BUFFER_FULL"
        # At most the outbox's bound plus the unread window (1 MiB, 16 of these 64 KiB events) was queued for it.
        assert len([m for m in messages if m["type"] == "next"]) <= 8 + 17
        await slow.close()
        await fine.close()


async def test_sse_stream_and_disconnect(tick_gateway: Any) -> None:
    with tick_gateway(subscription_keepalive=0.05) as (server, _):
        async with httpx.AsyncClient(timeout=10) as client:
            async with client.stream("POST", f"{server.base_url}/graphql", headers={"accept": "text/event-stream"},
                                     json={"query": TICKS}) as response:
                assert response.status_code == 200
                assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
                text = "".join([chunk async for chunk in response.aiter_text()])
        events = [block for block in text.split("\n\n") if block and not block.startswith(":")]
        expected = [{"data": {"ticks": {"n": i, "label": f"tick {i}", "word": f"word {i}"}}} for i in (1, 2, 3)]
        assert events[:3] == ["event: next\ndata: " + json.dumps(e, separators=(",", ":")) for e in expected]
        assert events[3] == "event: complete\ndata:"
        # A client that goes away mid-stream: the subgraph stream is closed.
        async with httpx.AsyncClient(timeout=10) as client:
            async with client.stream("GET", f"{server.base_url}/graphql", headers={"accept": "text/event-stream"},
                                     params={"query": "subscription { ticks(intervalMs: 20) { n } }"}) as response:
                async for chunk in response.aiter_text():
                    if "event: next" in chunk:
                        break
        await _wait(lambda: subgraphs.ACTIVE["ticks"] == 0, "the subgraph stream to close")


async def test_shutdown_ends_websockets_sse_streams_and_subgraph_streams(tick_supergraph: str) -> None:
    """Stopping the server (as `bff serve` does on SIGTERM) closes WebSockets with 1001, completes SSE streams
    (uvicorn alone would wait for them forever) and closes the subgraph streams behind them."""
    import socket
    import threading

    import uvicorn

    from gateway.auth.authenticate import Authenticator
    from gateway.auth.config import AuthConfig
    from gateway.config import GatewayConfig
    from gateway.gateway import Gateway
    from gateway.http.asgi import create_app
    from gateway.realtime.shutdown import server as realtime_server

    config = GatewayConfig()
    app = create_app(Gateway(tick_supergraph, config), config, Authenticator(AuthConfig(allow_anonymous=True)))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = realtime_server(uvicorn.Config(app, lifespan="on", log_level="warning"), app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    await _wait(lambda: server.started, "the server to start")
    ws = await connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=PROTOCOL)  # type: ignore[arg-type]
    await ws.send(json.dumps({"type": "connection_init"}))
    await ws.recv()
    forever = "subscription { ticks(intervalMs: 20) { n } }"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": forever}}))
    assert json.loads(await ws.recv())["type"] == "next"
    async with httpx.AsyncClient(timeout=10) as client:
        async with client.stream("POST", f"http://127.0.0.1:{port}/graphql", headers={"accept": "text/event-stream"},
                                 json={"query": forever.replace("20", "25")}) as response:  # not deduped
            chunks = response.aiter_text()
            assert "event: next" in await chunks.__anext__()
            await _wait(lambda: subgraphs.ACTIVE["ticks"] == 2, "both subgraph streams")
            started = time.monotonic()
            server.should_exit = True
            rest = "".join([chunk async for chunk in chunks])
    assert rest.rstrip().endswith("event: complete\ndata:")
    code, reason = await _closed_with(ws)
    assert (code, reason) == (1001, "Server shutting down")
    await asyncio.to_thread(thread.join, 10)
    assert not thread.is_alive() and time.monotonic() - started < 5
    assert subgraphs.ACTIVE["ticks"] == 0
    sock.close()


async def test_cross_site_handshake_with_cookies_is_refused(tick_gateway: Any) -> None:
    from websockets.exceptions import InvalidStatus

    with tick_gateway(cors_origins=("https://app.example",)) as (server, _):
        with pytest.raises(InvalidStatus) as refused:
            await connect(ws_url(server), subprotocols=PROTOCOL,  # type: ignore[arg-type]
                          additional_headers={"Origin": "https://evil.example", "Cookie": "session=1"})
        assert refused.value.response.status_code == 403
        for headers in ({"Origin": "https://app.example", "Cookie": "session=1"},  # an allowed origin
                        {"Origin": "https://evil.example"},  # no ambient credentials to abuse
                        {"Origin": f"http://127.0.0.1:{server.port}", "Cookie": "session=1"}):  # our own page
            ws = await connect(ws_url(server), subprotocols=PROTOCOL, additional_headers=headers)  # type: ignore[arg-type]
            await ws.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await ws.recv()) == {"type": "connection_ack"}
            await ws.close()


async def test_subgraph_closing_its_socket_mid_stream(tick_gateway: Any, tick_supergraph: str,
                                                      tick_subgraphs: dict[str, Any]) -> None:
    import contextlib

    from services.toolkit.app import asgi_app
    from tests.realtime.subgraphs import ticks_schema
    from tests.support.asgi_server import serve_in_thread

    shared = tick_subgraphs["ticks"].graphql_url
    stack = contextlib.ExitStack()
    own = stack.enter_context(serve_in_thread(asgi_app(ticks_schema())))
    with tick_gateway(supergraph=tick_supergraph.replace(shared, own.graphql_url)) as (server, _):
        ws = await _open(server)
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": "subscription { ticks(intervalMs: 20) { n word } }"}}))
        assert json.loads(await ws.recv())["type"] == "next"
        await asyncio.to_thread(stack.close)  # the subgraph server stops: it closes its WebSockets
        messages = await _messages(ws, "complete")
        [error, *_] = messages[-1]["payload"]
        assert messages[-1]["type"] == "error", messages[-1]
        assert error["extensions"]["code"] in ("SUBSCRIPTION_SOURCE_CLOSED", "SUBSCRIPTION_SOURCE_FAILED")
        assert "ticks" in error["message"]
        # Unreachable now: a new subscription is refused with an error, the connection stays.
        await ws.send(json.dumps({"id": "2", "type": "subscribe",
                                  "payload": {"query": "subscription { ticks { n } }"}}))
        [refused] = await _messages(ws, "complete", "2")
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "SUBSCRIPTION_SOURCE_FAILED"
        assert refused["payload"][0]["message"] == \
            'Subgraph "ticks" did not accept the subscription (connection failed).'
        await ws.close()
