"""A record-and-replay front for the example subgraphs, used by bench/run.py.

`python bench/subgraph_proxy.py --port 0 --upstream accounts=http://127.0.0.1:4101/graphql ...`
serves POST /<name>/graphql. The first time it sees a (subgraph, request body)
pair it forwards the request to the real subgraph and keeps the answer; after
that it answers from memory. Pointing both gateways at it ("replayed
subgraphs") takes the strawberry subgraphs' CPU out of the measurement, which
on a 2-core machine otherwise dominates and squeezes the gateways' ratio
towards 1. Answers are byte-for-byte the subgraphs' own.

GET /__log lists the last requests it received ({"service", "body"}), DELETE
/__log clears it: run.py uses it to see which subgraph requests each gateway's
query plan makes. Prints "LISTENING <port>" once it accepts connections.
"""

from __future__ import annotations

import argparse
import collections
import json
import socket
from typing import Any

import httpx
import uvicorn


class ReplayProxy:
    def __init__(self, upstreams: dict[str, str]) -> None:
        self.upstreams = upstreams
        self.cache: dict[tuple[str, bytes], tuple[int, bytes, bytes]] = {}
        self.log: collections.deque[dict[str, Any]] = collections.deque(maxlen=200)
        self.client: httpx.AsyncClient | None = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    self.client = httpx.AsyncClient(timeout=30.0)
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    if self.client is not None:
                        await self.client.aclose()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        path = scope["path"]
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if path == "/__log":
            if scope["method"] == "DELETE":
                self.log.clear()
            return await _answer(send, 200, b"application/json", json.dumps(list(self.log)).encode())
        if path == "/health":
            return await _answer(send, 200, b"application/json", b'{"status":"ok"}')
        name = path.strip("/").split("/")[0]
        upstream = self.upstreams.get(name)
        if upstream is None or scope["method"] != "POST":
            return await _answer(send, 404, b"text/plain", b"unknown subgraph")
        self.log.append({"service": name, "body": body.decode()})
        key = (name, body)
        hit = self.cache.get(key)
        if hit is None:
            assert self.client is not None
            response = await self.client.post(upstream, content=body, headers={"content-type": "application/json",
                                                                               "accept": "application/json"})
            hit = (response.status_code, response.headers.get("content-type", "application/json").encode(),
                   response.content)
            if response.status_code == 200:
                self.cache[key] = hit
        await _answer(send, *hit)


async def _answer(send: Any, status: int, content_type: bytes, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--upstream", action="append", default=[], metavar="NAME=URL")
    args = parser.parse_args()
    upstreams = dict(u.split("=", 1) for u in args.upstream)
    # IPPROTO_TCP, not 0: asyncio turns Nagle off only on connections accepted from a socket made with it;
    # without that each answer's body waits ~40 ms for the gateway's delayed ACK on keep-alive connections.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    print(f"LISTENING {sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(ReplayProxy(upstreams), lifespan="on", log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
