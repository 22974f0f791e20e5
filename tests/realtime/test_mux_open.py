"""The shared upstream connection while it opens: a subscriber that leaves then (its client completed or
went away) does not take the others waiting for the same connection down with it, and a connection
nobody waits for any more is closed once it has opened.

The subgraph is a real graphql-transport-ws server (websockets on loopback) that acknowledges the
connection after ACK_DELAY, so the gateway's side has a window in which the connection is opening."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from gateway.realtime.mux import UpstreamPool

ACK_DELAY = 0.4


class Subgraph:
    """Acks late; answers each `subscribe` with one event and `complete`; counts the sockets open."""

    def __init__(self) -> None:
        self.open = 0
        self.sockets = 0

    async def handle(self, ws: Any) -> None:
        self.open += 1
        self.sockets += 1
        try:
            async for raw in ws:
                message = json.loads(raw)
                if message["type"] == "connection_init":
                    await asyncio.sleep(ACK_DELAY)
                    await ws.send('{"type":"connection_ack"}')
                elif message["type"] == "subscribe":
                    op_id = message["id"]
                    await ws.send(json.dumps({"id": op_id, "type": "next",
                                              "payload": {"data": {"n": message["payload"]["query"]}}}))
                    await ws.send(json.dumps({"id": op_id, "type": "complete"}))
        except Exception:  # the gateway aborting the socket
            pass
        finally:
            self.open -= 1


async def _serve(subgraph: Subgraph) -> tuple[Any, str]:
    from websockets.asyncio.server import serve
    from websockets.typing import Subprotocol

    server = await serve(subgraph.handle, "127.0.0.1", 0, subprotocols=[Subprotocol("graphql-transport-ws")])
    port = next(iter(server.sockets)).getsockname()[1]
    return server, f"ws://127.0.0.1:{port}/graphql"


async def _collect(pool: UpstreamPool, url: str, query: str) -> list[dict[str, Any]]:
    return [event async for event in pool.subscribe("ticks", url, {"query": query}, {"x-bff-principal": "same"})]


async def _until(check: Any, what: str) -> None:
    for _ in range(200):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def test_the_opener_leaving_does_not_fail_the_subscribers_waiting_for_its_connection() -> None:
    subgraph = Subgraph()
    server, url = await _serve(subgraph)
    try:
        pool = UpstreamPool()
        opener = asyncio.ensure_future(_collect(pool, url, "first"))
        await _until(lambda: subgraph.sockets == 1, "the connection to open")
        waiting = asyncio.ensure_future(_collect(pool, url, "second"))  # same identity: waits for that connection
        await asyncio.sleep(0.05)
        opener.cancel()  # its client completed before the subgraph acknowledged
        assert await asyncio.wait_for(waiting, 5) == [{"data": {"n": "second"}}]
        assert subgraph.sockets == 1
        await _until(lambda: subgraph.open == 0, "the connection to close after its last subscription")
    finally:
        server.close()
        await server.wait_closed()


async def test_a_connection_everyone_left_while_it_opened_is_closed() -> None:
    subgraph = Subgraph()
    server, url = await _serve(subgraph)
    try:
        pool = UpstreamPool()
        clients = [asyncio.ensure_future(_collect(pool, url, q)) for q in ("a", "b")]
        await _until(lambda: subgraph.sockets == 1, "the connection to open")
        for client in clients:
            client.cancel()
        await asyncio.sleep(ACK_DELAY + 0.1)
        await _until(lambda: subgraph.open == 0, "the unused connection to close")
        assert pool.connections == {}
        # The next subscriber of that identity gets a connection of its own and its events.
        assert await asyncio.wait_for(_collect(pool, url, "c"), 5) == [{"data": {"n": "c"}}]
    finally:
        server.close()
        await server.wait_closed()
