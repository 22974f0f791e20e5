"""Issue 12, finding 6: slow clients do not keep connections open indefinitely (raw sockets)."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import uvicorn

from gateway.http.asgi import create_app
from gateway.http.read_timeouts import with_read_timeouts

HEADER_TIMEOUT, BODY_TIMEOUT = 0.8, 1.5


def serve(app):
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", lifespan="on",
                            http=with_read_timeouts(HEADER_TIMEOUT, BODY_TIMEOUT))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    port = sock.getsockname()[1]
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    return server, thread, port


def closed_by_server(conn: socket.socket, within: float) -> float | None:
    """Seconds until the server closes `conn` (reads return b""), or None if it stays open."""
    start = time.monotonic()
    conn.settimeout(0.1)
    while time.monotonic() - start < within:
        try:
            if conn.recv(65536) == b"":
                return time.monotonic() - start
        except TimeoutError:
            continue
        except ConnectionError:
            return time.monotonic() - start
    return None


def test_slow_headers_slow_bodies_and_silent_clients_are_cut_off(make_gateway):
    gateway = make_gateway()
    server, thread, port = serve(create_app(gateway, gateway.config))
    try:
        silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(15)]
        trickling = [socket.create_connection(("127.0.0.1", port)) for _ in range(15)]
        slow_body = [socket.create_connection(("127.0.0.1", port)) for _ in range(15)]
        for conn in trickling:
            conn.sendall(b"POST /graphql HTTP/1.1\r\nHost: x\r\n")
        for conn in slow_body:
            conn.sendall(b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 1000\r\n\r\n{\"query\": ")
        stop = threading.Event()

        def trickle() -> None:  # a header byte every 0.2 s: never idle long enough for keep-alive
            while not stop.is_set():
                for conn in trickling + slow_body:
                    try:
                        conn.sendall(b"X" if conn in trickling else b" ")
                    except OSError:
                        pass
                time.sleep(0.2)

        threading.Thread(target=trickle, daemon=True).start()
        # meanwhile an ordinary client is served
        r = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{ tags }"})
        assert r.status_code == 200 and r.json() == {"data": {"tags": ["a", "b"]}}
        waits = [closed_by_server(c, 5.0) for c in silent + trickling + slow_body]
        stop.set()
        assert None not in waits, f"{waits.count(None)} of 45 connections still open after 5 s"
        assert max(waits[:30]) < HEADER_TIMEOUT + 1.0 and max(waits[30:]) < BODY_TIMEOUT + 1.0
        for conn in silent + trickling + slow_body:
            conn.close()
        # a keep-alive connection that sends its next request at once is not cut off
        with httpx.Client() as client:
            for _ in range(3):
                assert client.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{ tags }"}).status_code == 200
                time.sleep(HEADER_TIMEOUT / 2)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_a_websocket_outlives_the_header_timeout(make_gateway):
    """The upgrade request's timer must not close the WebSocket it became (subscriptions under bff serve)."""
    import asyncio
    import json

    from websockets.asyncio.client import connect

    gateway = make_gateway()
    server, thread, port = serve(create_app(gateway, gateway.config))

    async def client() -> None:
        async with connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                           ping_interval=None) as ws:
            await ws.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await ws.recv()) == {"type": "connection_ack"}
            await asyncio.sleep(HEADER_TIMEOUT + BODY_TIMEOUT + 0.5)  # past every read timer
            await ws.send(json.dumps({"type": "ping"}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "pong"}

    try:
        asyncio.run(client())
    finally:
        server.should_exit = True
        thread.join(10)
