"""A hand-written HTTP/1.1 server on loopback whose answers each test scripts byte by byte.

    async def answer(req: RawRequest, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\n{}")
        return True                      # keep the connection open for the next request

    async with RawServer(answer) as server:
        await client.post(server.url, b"{}")
        assert server.connections == 1

Returning False closes the connection after the answer. Real servers never let a
test send a wrong Content-Length or reset mid-body; this one does.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RawRequest:
    head: bytes
    body: bytes
    connection: int  # 1-based number of the connection it arrived on
    index: int  # 1-based number of the request on that connection

    def header(self, name: str) -> str | None:
        for line in self.head.split(b"\r\n")[1:]:
            key, _, value = line.partition(b":")
            if key.strip().lower() == name.lower().encode():
                return value.strip().decode("latin-1")
        return None


Answer = Callable[[RawRequest, asyncio.StreamWriter], Awaitable[bool]]


@dataclass
class RawServer:
    answer: Answer
    connections: int = 0  # connections accepted so far
    open_now: int = 0
    max_open: int = 0  # most connections open at the same time
    requests: list[RawRequest] = field(default_factory=list)
    closed_by_peer: int = 0  # connections the client closed (EOF while waiting for a request)
    ssl: Any = None  # an ssl.SSLContext to serve https
    _server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.ssl else 'http'}://127.0.0.1:{self.port}/graphql"

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.ssl)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        try:
            await asyncio.wait_for(self._server.wait_closed(), 2)
        except TimeoutError:
            pass

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connections += 1
        number = self.connections
        self.open_now += 1
        self.max_open = max(self.max_open, self.open_now)
        index = 0
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    self.closed_by_peer += 1
                    return
                index += 1
                request = RawRequest(head, b"", number, index)
                length = int(request.header("content-length") or 0)
                request.body = await reader.readexactly(length)
                self.requests.append(request)
                keep = await self.answer(request, writer)
                await writer.drain()
                if not keep:
                    return
        except ConnectionError:
            return
        finally:
            self.open_now -= 1
            if not writer.is_closing():
                writer.close()


def reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST instead of a FIN (SO_LINGER 0)."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def respond(body: bytes, status: str = "200 OK", headers: str = "Content-Type: application/json\r\n") -> bytes:
    """A complete HTTP/1.1 answer with a Content-Length."""
    return f"HTTP/1.1 {status}\r\n{headers}Content-Length: {len(body)}\r\n\r\n".encode() + body
