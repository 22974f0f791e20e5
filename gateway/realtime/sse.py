"""GraphQL over Server-Sent Events (the `graphql-sse` protocol, distinct connections mode).

A GET or POST to /graphql with `Accept: text/event-stream` gets one event stream for one
operation: `event: next` per result, then `event: complete`. As the protocol asks, errors
found before execution (validation, a refused subscription) arrive as a `next` event on an
accepted stream, not as an HTTP error; an abnormal end of the subscription is a `next`
event carrying the errors, then `complete`. A comment line every
`subscription_keepalive` seconds keeps proxies from closing an idle stream. Closing the
connection is how the client unsubscribes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from .hub import Hub
from .outbox import Outbox
from .stream import StreamError, error

logger = logging.getLogger("bff.realtime")

MEDIA_TYPE = "text/event-stream"
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
COMPLETE = "event: complete\ndata:\n\n"


def next_event(body: dict[str, Any]) -> str:
    return "event: next\ndata: " + orjson.dumps(body).decode() + "\n\n"


class SseStream:
    def __init__(self, receive: Receive, send: Send, *,
                 hub: Hub, config: Any, gateway: Any, headers: dict[str, str]) -> None:
        self._receive, self._send = receive, send
        self.hub, self.config, self.gateway = hub, config, gateway
        self.headers = headers  # extra response headers (CORS)
        self.outbox = Outbox(config.subscription_buffer)
        self._producer: asyncio.Task[None] | None = None

    async def run(self, request: Any) -> None:
        """Answer `request` with an event stream until it completes or the client leaves."""
        raw = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache"),
               (b"x-accel-buffering", b"no")]
        raw += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.headers.items()]
        await self._send({"type": "http.response.start", "status": 200, "headers": raw})
        writer = asyncio.ensure_future(self._write())
        watcher = asyncio.ensure_future(self._watch_disconnect())
        self._producer = asyncio.ensure_future(self._produce(request))
        pinger = asyncio.ensure_future(self._keepalive()) if self.config.subscription_keepalive > 0 else None
        try:
            await asyncio.wait({self._producer, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not self._producer.done():  # the client left (or we are cancelled): stop the subgraph stream
                self._producer.cancel()
            await asyncio.gather(self._producer, return_exceptions=True)
            for task in (watcher, pinger):
                if task is not None:
                    task.cancel()
            self.outbox.close()
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(asyncio.shield(writer), 5)  # what is queued, then the end of the body
            writer.cancel()
            await asyncio.gather(writer, watcher, *([pinger] if pinger else []), return_exceptions=True)

    async def shutdown(self) -> None:
        """Server stopping: end the stream (complete) and its subgraph stream."""
        if self._producer is not None and not self._producer.done():
            self._producer.cancel()

    async def _produce(self, request: Any) -> None:
        from ..request import GraphQLResponse

        stream = None
        try:
            result = await self.gateway.subscribe(request)
            if isinstance(result, GraphQLResponse):
                self.outbox.force(next_event(result.body))
                return
            stream = result
            async for body in stream:
                if not self.outbox.offer(next_event(body)):
                    self.outbox.force(next_event({"errors": [error(
                        "The client is not reading its events fast enough: the subscription was ended after "
                        f"{self.outbox.limit} waiting events.", "SUBSCRIPTION_BUFFER_FULL")]}))
                    return
        except StreamError as exc:
            self.outbox.force(next_event({"errors": exc.errors}))
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("Subscription over SSE failed")
            self.outbox.force(next_event({"errors": [error("Internal server error.", "INTERNAL_SERVER_ERROR")]}))
        finally:
            self.outbox.force(COMPLETE)
            if stream is not None:
                with contextlib.suppress(Exception):
                    await stream.aclose()

    async def _write(self) -> None:
        while True:
            message = await self.outbox.get()
            if message is None:
                with contextlib.suppress(Exception):
                    await self._send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await self._send({"type": "http.response.body", "body": message.encode(), "more_body": True})

    async def _watch_disconnect(self) -> None:
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                return

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(self.config.subscription_keepalive)
            if not len(self.outbox):  # comments must not pile up for a client that does not read
                self.outbox.force(":\n\n")


async def serve(receive: Receive, send: Send, request: Any, *,
                hub: Hub, config: Any, gateway: Any, headers: dict[str, str]) -> bool:
    """Stream `request`; False (nothing sent) when the connection limit is reached."""
    stream = SseStream(receive, send, hub=hub, config=config, gateway=gateway, headers=headers)
    if not hub.admit(stream):
        return False
    try:
        await stream.run(request)
    finally:
        hub.leave(stream)
    return True
