"""Two scriptable subgraphs on loopback ("alpha", "beta") and the supergraph over them.

Each `FaultServer` is a real HTTP/1.1 server (asyncio, TCP on 127.0.0.1). Its
`mode` decides how it answers the next requests:

    ok        200 with a GraphQL body (and the configured response headers)
    hang      never answers
    500       HTTP 500 with a non-GraphQL body
    503       HTTP 503 with a non-GraphQL body
    garbage   200 with a body that is not JSON
    cut       200 whose body stops halfway, then the connection closes
    refuse    closes the connection as soon as the request arrived
    json      200 with `payload` as the JSON body, whatever it is (malformed GraphQL answers)

In `ok` mode the body is `answer(kind, request body)` when an `answer` is set (e.g. real
`_entities` results), else `{"data": {"a" or "b": name}}`. `requests` lists what it
received: (operation kind, lower-cased headers); `count(kind)` counts them.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

_HEAD = (Path(__file__).parent / "supergraph_head.txt").read_text()


def supergraph(alpha_url: str, beta_url: str) -> str:
    return _HEAD + f'''enum join__Graph {{
  ALPHA @join__graph(name: "alpha", url: "{alpha_url}")
  BETA @join__graph(name: "beta", url: "{beta_url}")
}}

type Query @join__type(graph: ALPHA) @join__type(graph: BETA) {{
  a: String @join__field(graph: ALPHA)
  b: String @join__field(graph: BETA)
}}

type Mutation @join__type(graph: ALPHA) {{
  touch: Boolean @join__field(graph: ALPHA)
}}
'''


@dataclass
class FaultServer:
    name: str
    mode: str = "ok"
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    answer: Callable[[str, dict], Any] | None = None  # ok mode: the response body for (kind, request body)
    payload: Any = None  # json mode: the body sent as it is
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    record: bool = True  # False (soak): count requests without keeping them
    counts: Counter = field(default_factory=Counter)
    port: int = 0
    _server: asyncio.Server | None = None
    _writers: set = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def count(self, kind: str) -> int:
        return self.counts[kind]

    async def __aenter__(self) -> FaultServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer, task in list(self._writers):
            writer.transport.abort()
            task.cancel()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add((writer, asyncio.current_task()))
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                headers = {}
                for line in head.decode("latin-1").split("\r\n")[1:]:
                    if ":" in line:
                        k, _, v = line.partition(":")
                        headers[k.strip().lower()] = v.strip()
                body = orjson.loads(await reader.readexactly(int(headers.get("content-length", 0))))
                query = body["query"].lstrip()
                kind = "mutation" if query.startswith("mutation") else "query"
                self.counts[kind] += 1
                if self.record:
                    self.requests.append((kind, headers))
                if not await self._answer(kind, body, writer):
                    return
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            self._writers.discard((writer, asyncio.current_task()))
            writer.close()

    async def _answer(self, kind: str, body: dict, writer: asyncio.StreamWriter) -> bool:
        mode = self.mode
        if mode == "hang":
            await asyncio.sleep(3600)
            return False
        if mode == "refuse":
            return False
        if mode in ("500", "503"):
            writer.write(_http(mode + " Oops", b"<html>down</html>", "text/html"))
            await writer.drain()
            return True
        if mode == "garbage":
            writer.write(_http("200 OK", b"this is not json", "application/json"))
            await writer.drain()
            return True
        if mode == "json":
            writer.write(_http("200 OK", orjson.dumps(self.payload), "application/json"))
            await writer.drain()
            return True
        if self.answer is not None:
            payload = orjson.dumps(self.answer(kind, body))
        else:
            data = {"touch": True} if kind == "mutation" else {("a" if self.name == "alpha" else "b"): self.name}
            payload = orjson.dumps({"data": data})
        if mode == "cut":
            whole = _http("200 OK", payload, "application/json")
            writer.write(whole[: len(whole) - len(payload) // 2])
            await writer.drain()
            return False
        writer.write(_http("200 OK", payload, "application/json", self.response_headers))
        await writer.drain()
        return True


def _http(status: str, body: bytes, content_type: str, extra: list[tuple[str, str]] = ()) -> bytes:
    lines = "".join(f"{k}: {v}\r\n" for k, v in extra)
    return (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n{lines}"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body
