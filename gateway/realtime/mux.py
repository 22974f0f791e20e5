"""Shared upstream WebSockets: one graphql-transport-ws connection per (subgraph URL, identity) carries
every client subscription of that identity to that subgraph, each under its own `subscribe` id.

Why: one socket per client subscription (upstream.py) costs the subgraph a connection, a handshake
and a task per subscriber; a thousand viewers of one course are a thousand sockets.

Which subscriptions share a connection: those whose handshake headers are the same once the
per-request tracing headers (`VOLATILE`) and the signature's timestamp are left out, i.e. the same
signed principal, the same propagated credentials, the same `X-API-Key`. A subgraph therefore sees
exactly the identity on each connection that it would have seen on a connection of its own.

Deduplication (`dedupe`): on one connection, subscriptions with the same document and variables share
one upstream id, and each event is fanned out to all of them (a copy each). That cannot leak data
between viewers: they share the connection, so the subgraph sees one identity and would have sent each
of them the same events; what each client finally sees is shaped per subscriber, with its own access
decisions (subscription.py).

Error semantics are those of upstream.py: a subgraph that refuses an id ends that subscription with
its errors; a connection that closes or breaks ends every subscription on it with
SUBSCRIPTION_SOURCE_CLOSED, never silently. A subscriber that falls `buffer` events behind (its client
reads slowly) is ended with SUBSCRIPTION_BUFFER_FULL: a shared socket cannot slow one reader without
slowing all. The connection opens with the first subscription and closes after the last one ends.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncGenerator
from typing import Any

import orjson

from .upstream import PROTOCOL, UpstreamError, _close_reason, _parse, _reason

# Per-request headers (propagated for tracing) that do not identify the caller: left out of the key.
VOLATILE = frozenset({"x-request-id", "x-correlation-id", "traceparent", "tracestate", "baggage",
                      "x-amzn-trace-id", "x-bff-timestamp", "x-bff-signature"})
_END = object()


def connection_key(url: str, headers: dict[str, str]) -> tuple[str, tuple[tuple[str, str], ...]]:
    """What two subscriptions must share to share a connection: the URL and the identifying headers."""
    return url, tuple(sorted((k.lower(), v) for k, v in headers.items() if k.lower() not in VOLATILE))


class _Subscriber:
    """One client subscription's end of a shared connection: its events, bounded."""

    __slots__ = ("items", "ready", "limit", "stream")

    def __init__(self, limit: int) -> None:
        self.items: deque[Any] = deque()
        self.ready = asyncio.Event()
        self.limit = limit
        self.stream: _Stream | None = None

    def put(self, item: Any) -> bool:
        if item.__class__ is dict and len(self.items) >= self.limit:
            return False
        self.items.append(item)
        self.ready.set()
        return True

    async def get(self) -> Any:
        while not self.items:
            self.ready.clear()
            await self.ready.wait()
        return self.items.popleft()


class _Stream:
    """One upstream `subscribe` id and the subscribers it feeds."""

    __slots__ = ("id", "key", "subscribers")

    def __init__(self, stream_id: str, key: bytes | None) -> None:
        self.id = stream_id
        self.key = key  # the dedupe key (document and variables), None when not shared
        self.subscribers: list[_Subscriber] = []


class UpstreamConnection:
    """One subgraph WebSocket carrying many subscriptions."""

    def __init__(self, pool: UpstreamPool, key: Any, service: str, url: str, headers: dict[str, str]) -> None:
        self.pool, self.key, self.service, self.url, self.headers = pool, key, service, url, headers
        self.socket: Any = None
        self.streams: dict[str, _Stream] = {}
        self.shared: dict[bytes, _Stream] = {}
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed = False
        self._next_id = 0
        self.pending = 0  # subscribers that chose this connection and wait for it to open
        self.waiting: dict[bytes, int] = {}  # their dedupe keys (an identical one arriving meanwhile joins)
        self._reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        """Connect and complete the handshake; on failure every waiting subscriber gets the error."""
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
        from websockets.typing import Subprotocol

        pool, service = self.pool, self.service
        try:
            try:
                self.socket = await connect(self.url, subprotocols=[Subprotocol(PROTOCOL)],
                                            additional_headers=self.headers, open_timeout=pool.open_timeout,
                                            max_size=pool.max_size, compression=None, proxy=None,
                                            user_agent_header=None)
            except (TimeoutError, OSError, InvalidHandshake, InvalidURI) as exc:
                raise UpstreamError(f'Subgraph "{service}" did not accept the subscription ({_reason(exc)}).') \
                    from None
            try:
                await self.socket.send('{"type":"connection_init","payload":{}}')
                while True:
                    message = _parse(await asyncio.wait_for(self.socket.recv(), pool.open_timeout), service)
                    kind = message.get("type")
                    if kind == "connection_ack":
                        break
                    if kind == "ping":
                        await self.socket.send('{"type":"pong"}')
                    elif kind != "pong":
                        raise UpstreamError(f'Subgraph "{service}" sent "{kind}" before acknowledging the '
                                            "connection.")
            except TimeoutError:
                raise UpstreamError(f'Subgraph "{service}" did not acknowledge the connection in time.') from None
            except ConnectionClosed as exc:
                raise UpstreamError(f'Subgraph "{service}" closed the subscription stream '
                                    f"({_close_reason(exc)}).", code="SUBSCRIPTION_SOURCE_CLOSED") from None
        except BaseException as failure:
            self._forget()
            await self._abort()
            if not self.opened.done():  # the others waiting for this connection get the error (or a new one)
                shared = failure if isinstance(failure, UpstreamError) else UpstreamError(
                    f'The connection to subgraph "{service}" was abandoned while opening; subscribe again.')
                self.opened.set_exception(shared)
                self.opened.exception()  # retrieved: waiters re-raise it themselves
            raise
        self._reader = asyncio.ensure_future(self._read())
        self.opened.set_result(None)
        self.close_if_unused()  # every subscriber that chose it left while it opened

    def add(self, body: dict[str, Any], key: bytes | None) -> _Subscriber:
        """A new subscriber to `body` on this connection (joining the identical running stream `key`, if any)."""
        subscriber = _Subscriber(self.pool.buffer)
        stream = self.shared.get(key) if key is not None else None
        if stream is None:
            self._next_id += 1
            stream = _Stream(str(self._next_id), key)
            self.streams[stream.id] = stream
            if key is not None:
                self.shared[key] = stream
            self._send({"id": stream.id, "type": "subscribe", "payload": body})
        stream.subscribers.append(subscriber)
        subscriber.stream = stream
        return subscriber

    def remove(self, subscriber: _Subscriber) -> None:
        """The subscriber stopped listening: its stream completes upstream when it was the last; the socket
        closes when no stream is left."""
        stream = subscriber.stream
        if stream is None or subscriber not in stream.subscribers:
            return
        stream.subscribers.remove(subscriber)
        if stream.subscribers:
            return
        if self.streams.pop(stream.id, None) is not None:
            self._send({"id": stream.id, "type": "complete"})
        self._unshare(stream)
        self.close_if_unused()

    def close_if_unused(self) -> None:
        """Close the open connection when no stream runs on it and no subscriber that chose it is still
        on its way to `add` (one woken by the opening that has not run yet keeps it open)."""
        if self.pending or self.streams or self.closed or not self.opened.done() or self.opened.exception():
            return
        self._forget()
        self.closed = True
        asyncio.ensure_future(self._shutdown())

    def _unshare(self, stream: _Stream) -> None:
        if stream.key is not None and self.shared.get(stream.key) is stream:
            del self.shared[stream.key]

    def _send(self, message: dict[str, Any]) -> None:
        if self.closed or self.socket is None:
            return
        asyncio.ensure_future(self._send_now(orjson.dumps(message).decode()))

    async def _send_now(self, text: str) -> None:
        with contextlib.suppress(Exception):  # a broken socket is reported by the reader
            await self.socket.send(text)

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        service = self.service
        try:
            async for raw in self.socket:
                message = _parse(raw, service)
                kind = message.get("type")
                stream = self.streams.get(message.get("id"))  # type: ignore[arg-type]
                if kind == "next":
                    if stream is None:
                        continue  # an event still in flight for a stream we completed
                    payload = message.get("payload")
                    if not isinstance(payload, dict):
                        self._end(stream, UpstreamError(f'Subgraph "{service}" sent an event that is not a '
                                                        "GraphQL result."))
                        continue
                    self._deliver(stream, payload, raw)
                elif kind == "complete":
                    if stream is not None:
                        self._end(stream, _END, upstream_done=True)
                elif kind == "error":
                    if stream is not None:
                        payload = message.get("payload")
                        errors = [e for e in payload if isinstance(e, dict)] if isinstance(payload, list) else []
                        self._end(stream, UpstreamError(f'Subgraph "{service}" refused the subscription.',
                                                        errors or None), upstream_done=True)
                elif kind == "ping":
                    await self.socket.send('{"type":"pong"}')
                elif kind != "pong":
                    raise UpstreamError(f'Subgraph "{service}" sent an unexpected "{kind}" message.')
            failure = UpstreamError(f'Subgraph "{service}" closed the subscription stream (close code '
                                    f"{self.socket.close_code}).", code="SUBSCRIPTION_SOURCE_CLOSED")
        except ConnectionClosed as exc:
            failure = UpstreamError(f'Subgraph "{service}" closed the subscription stream ({_close_reason(exc)}).',
                                    code="SUBSCRIPTION_SOURCE_CLOSED")
        except UpstreamError as exc:
            failure = exc
        except asyncio.CancelledError:
            failure = UpstreamError(f'The subscription to subgraph "{service}" was stopped.',
                                    code="SUBSCRIPTION_SOURCE_CLOSED")
        if self.closed:
            return
        self.closed = True
        self._forget()
        for stream in list(self.streams.values()):
            self._end(stream, failure, upstream_done=True)
        await self._abort()

    def _deliver(self, stream: _Stream, payload: dict[str, Any], raw: Any) -> None:
        """The event to each subscriber of the stream: its own copy (each run merges into it)."""
        subscribers = stream.subscribers
        for i, subscriber in enumerate(list(subscribers)):
            event = payload if i == 0 else orjson.loads(raw)["payload"]
            if not subscriber.put(event):
                subscribers.remove(subscriber)
                subscriber.stream = None
                subscriber.put(UpstreamError("The client is not reading its events fast enough: the subscription "
                                             f"was ended after {subscriber.limit} waiting events.",
                                             code="SUBSCRIPTION_BUFFER_FULL"))
        if not subscribers:
            self._drop(stream, upstream_done=False)

    def _end(self, stream: _Stream, outcome: Any, upstream_done: bool = False) -> None:
        for subscriber in stream.subscribers:
            subscriber.put(outcome)
        stream.subscribers.clear()
        self._drop(stream, upstream_done)

    def _drop(self, stream: _Stream, upstream_done: bool) -> None:
        if self.streams.pop(stream.id, None) is not None and not upstream_done:
            self._send({"id": stream.id, "type": "complete"})
        self._unshare(stream)
        self.close_if_unused()

    def _forget(self) -> None:
        siblings = self.pool.connections.get(self.key)
        if siblings is not None and self in siblings:
            siblings.remove(self)
            if not siblings:
                del self.pool.connections[self.key]

    def has_room(self, limit: int) -> bool:
        return not self.closed and len(self.streams) + self.pending < limit

    async def _shutdown(self) -> None:
        """The last stream ended: close politely (after the pending `complete` messages)."""
        await asyncio.sleep(0)
        if self.socket is not None:
            try:
                await asyncio.wait_for(self.socket.close(), 2.0)
            except BaseException:
                await self._abort()
        if self._reader is not None and not self._reader.done():
            self._reader.cancel()

    async def _abort(self) -> None:
        socket = self.socket
        if socket is not None and getattr(socket, "transport", None) is not None:
            socket.transport.abort()


def _retrieve(task: asyncio.Future[None]) -> None:
    """The opening task's failure reached its waiters through `opened`: not reported again."""
    if not task.cancelled():
        task.exception()


class UpstreamPool:
    """The shared upstream connections of one gateway (one event loop)."""

    def __init__(self, *, open_timeout: float = 10.0, max_size: int = 4 * 1024 * 1024, buffer: int = 64,
                 dedupe: bool = True, per_connection: int = 100) -> None:
        self.open_timeout, self.max_size, self.buffer, self.dedupe = open_timeout, max_size, buffer, dedupe
        # Subgraph servers cap the operations on one WebSocket (strawberry: 100 by default); past this many
        # upstream ids another connection of the same identity is opened.
        self.per_connection = max(1, per_connection)
        self.connections: dict[Any, list[UpstreamConnection]] = {}

    async def _connection(self, key: Any, body_key: bytes | None, service: str, url: str,
                          headers: dict[str, str]) -> UpstreamConnection:
        """An open connection for `key`: the one already running `body_key`, else one with room, else a new one."""
        siblings = self.connections.get(key, ())
        chosen = None
        if body_key is not None:
            chosen = next((c for c in siblings if not c.closed and (body_key in c.shared or body_key in c.waiting)),
                          None)
        if chosen is None:
            chosen = next((c for c in siblings if c.has_room(self.per_connection)), None)
        if chosen is None:
            chosen = UpstreamConnection(self, key, service, url, headers)
            self.connections.setdefault(key, []).append(chosen)
            # Opened by a task of its own: the subscriber that started it may leave (its client completed)
            # while the others that chose this connection still wait for it.
            opening = asyncio.ensure_future(chosen.open())
            opening.add_done_callback(_retrieve)
        if not chosen.opened.done():
            chosen.pending += 1
            if body_key is not None:
                chosen.waiting[body_key] = chosen.waiting.get(body_key, 0) + 1
            left_early = True
            try:
                await asyncio.shield(chosen.opened)
                left_early = False
            finally:
                chosen.pending -= 1
                if body_key is not None:
                    left = chosen.waiting.pop(body_key) - 1
                    if left:
                        chosen.waiting[body_key] = left
                if left_early and chosen.opened.done():  # cancelled after it opened, before joining it
                    chosen.close_if_unused()
        if chosen.closed:  # it broke as it opened (its other subscribers were told the same)
            raise UpstreamError(f'Subgraph "{service}" closed the subscription stream.',
                                code="SUBSCRIPTION_SOURCE_CLOSED")
        return chosen

    async def subscribe(self, service: str, url: str, body: dict[str, Any], headers: dict[str, str],
                        key_headers: dict[str, str] | None = None) -> AsyncGenerator[dict[str, Any], None]:
        """Each `next` payload of `body` on the subgraph, until it completes; raises UpstreamError as
        upstream.subscribe does. `key_headers`: the headers that identify the caller (default `headers`);
        `headers` (signed) open the connection when none is open for that key."""
        key = connection_key(url, headers if key_headers is None else key_headers)
        body_key = orjson.dumps(body, option=orjson.OPT_SORT_KEYS) if self.dedupe else None
        connection = await self._connection(key, body_key, service, url, headers)
        subscriber = connection.add(body, body_key)
        try:
            while True:
                item = await subscriber.get()
                if item.__class__ is dict:
                    yield item
                elif item is _END:
                    return
                else:
                    raise item
        finally:
            connection.remove(subscriber)
