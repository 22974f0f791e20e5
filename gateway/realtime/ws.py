"""GraphQL over WebSocket (`graphql-transport-ws`, as the `graphql-ws` library speaks it) on the ASGI app.

One `WsConnection` per socket: a reader (this task), one writer draining the bounded
outbox, a keep-alive pinger, and one task per running operation. Protocol errors end
the socket with the protocol's close codes:

    4400  invalid message (not JSON, unknown type, missing id or payload)
    4401  subscribe before the connection was acknowledged
    4403  connection_init refused (credentials invalid or missing)
    4406  the client did not offer the graphql-transport-ws subprotocol
    4408  no connection_init within `subscription_init_timeout`
    4409  subscribe with the id of a running subscription
    4429  a second connection_init
    1013  too many connections (try again later); 1001 when the server shuts down

Authentication: `Authorization` from the connection_init payload (top level, or under
`headers`), else the handshake's headers, verified like an HTTP request's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from .hub import Hub
from .outbox import Outbox
from .stream import StreamError, error

PROTOCOL = "graphql-transport-ws"
Message = dict[str, Any]  # a protocol message, as JSON
AsgiMessage = MutableMapping[str, Any]
PING = '{"type":"ping"}'
# Bytes sent but not yet known to be read. The ASGI server may buffer writes without bound (uvicorn's
# WebSocket implementation does), so the only proof that a client reads is its `pong`: pongs answer pings
# in order, so each one acknowledges everything sent before its ping. Past this window the writer sends a
# ping and waits for the pong; meanwhile events pile up in the outbox, whose bound ends the subscriptions.
UNREAD_WINDOW = 1 << 20
logger = logging.getLogger("bff.realtime")


class ProtocolClose(Exception):
    """A protocol error: the socket is closed with `code` (also raised by apigw/websocket.py)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason[:120]  # a close reason is at most 123 bytes


class WsConnection:
    def __init__(self, scope: AsgiMessage, receive: Callable[[], Awaitable[AsgiMessage]],
                 send: Callable[[AsgiMessage], Awaitable[None]],
                 *, hub: Hub, config: Any, auth: Any, gateway: Callable[[], Awaitable[Any]],
                 headers: dict[str, str]) -> None:
        self.scope, self._receive, self._send = scope, receive, send
        self.hub, self.config, self.auth, self._gateway = hub, config, auth, gateway
        self.headers = headers
        self.outbox = Outbox(config.subscription_buffer)
        self.operations: dict[str, asyncio.Task[None]] = {}
        self.principal: Any = None
        self.acknowledged = False
        self._init_seen = False
        self._closed = False
        self._tasks: list[asyncio.Task[None]] = []
        self._written = 0  # bytes sent
        self._acked = 0  # bytes the client has read (proved by its pongs)
        self._pings: deque[int] = deque()  # bytes sent up to each ping not yet answered
        self._read_more = asyncio.Event()

    async def run(self) -> None:
        message = await self._receive()
        if message["type"] != "websocket.connect":
            return
        offered = [p.strip() for p in self.headers.get("sec-websocket-protocol", "").split(",")]
        if PROTOCOL not in offered:
            # Accept to say why in a close frame (a refused handshake tells the client nothing).
            await self._send({"type": "websocket.accept"})
            await self._send({"type": "websocket.close", "code": 4406, "reason": "Subprotocol not acceptable"})
            return
        if not self.hub.admit(self):
            await self._send({"type": "websocket.accept", "subprotocol": PROTOCOL})
            await self._send({"type": "websocket.close", "code": 1013, "reason": "Too many connections"})
            return
        try:
            await self._send({"type": "websocket.accept", "subprotocol": PROTOCOL})
            self._tasks.append(asyncio.ensure_future(self._write()))
            try:
                await self._read()
            except ProtocolClose as close:
                await self._close(close.code, close.reason)
        finally:
            self.hub.leave(self)
            await self._stop_all()

    async def shutdown(self) -> None:
        """Server stopping: end every operation and close with 1001."""
        await self._close(1001, "Server shutting down")

    # -- reading --------------------------------------------------------------------------

    async def _read(self) -> None:
        deadline = asyncio.get_running_loop().time() + self.config.subscription_init_timeout
        while not self._closed:
            if not self._init_seen:
                remaining = deadline - asyncio.get_running_loop().time()
                try:
                    message = await asyncio.wait_for(self._receive(), max(remaining, 0.001))
                except TimeoutError:
                    raise ProtocolClose(4408, "Connection initialisation timeout") from None
            else:
                message = await self._receive()
            if message["type"] == "websocket.disconnect":
                self._closed = True
                return
            if message["type"] != "websocket.receive":
                continue
            raw = message.get("text")
            if raw is None:
                raw = message.get("bytes") or b""
            await self._handle(parse_message(raw))

    async def _handle(self, message: Message) -> None:
        kind = message.get("type")
        if kind == "connection_init":
            if self._init_seen:
                raise ProtocolClose(4429, "Too many initialisation requests")
            self._init_seen = True
            payload = message.get("payload")
            if payload is not None and not isinstance(payload, dict):
                raise ProtocolClose(4400, "connection_init payload must be an object")
            await self._authenticate(payload or {})
            self.acknowledged = True
            self.outbox.force('{"type":"connection_ack"}')
            if self.config.subscription_keepalive > 0:
                self._tasks.append(asyncio.ensure_future(self._keepalive()))
        elif kind == "ping":
            self.outbox.force('{"type":"pong"}')
        elif kind == "pong":
            if self._pings:
                self._acked = self._pings.popleft()
                self._read_more.set()
        elif kind == "subscribe":
            if not self.acknowledged:
                raise ProtocolClose(4401, "Unauthorized")
            op_id, payload = message.get("id"), message.get("payload")
            if not isinstance(op_id, str) or not op_id:
                raise ProtocolClose(4400, "subscribe needs an id (a non-empty string)")
            if not isinstance(payload, dict):
                raise ProtocolClose(4400, "subscribe needs a payload object")
            if op_id in self.operations:
                raise ProtocolClose(4409, f"Subscriber for {op_id} already exists")
            self._start(op_id, payload)
        elif kind == "complete":
            op_id = message.get("id")
            if not isinstance(op_id, str):
                raise ProtocolClose(4400, "complete needs an id")
            task = self.operations.pop(op_id, None)
            if task is not None:
                task.cancel()
        else:
            raise ProtocolClose(4400, f"Unknown message type {kind!r}" if isinstance(kind, str)
                                else "Message has no type")

    async def _authenticate(self, payload: Message) -> None:
        from ..auth.errors import AuthError

        headers = dict(self.headers)
        authorization = authorization_in(payload)
        if authorization is not None:
            headers["authorization"] = authorization
        try:
            self.principal = await self.auth.principal_for(headers, self.scope.get("aws.event"))
        except AuthError as exc:
            raise ProtocolClose(4403, f"Forbidden: {exc.message}") from None
        self.headers = headers

    # -- operations -----------------------------------------------------------------------

    def _start(self, op_id: str, payload: Message) -> None:
        from ..http.graphql_over_http import HttpError, request_from_params

        if len(self.operations) >= self.config.subscription_max_per_connection:
            limit = self.config.subscription_max_per_connection
            self._error(op_id, [error(f"Too many operations on this connection (at most {limit}).",
                                      "TOO_MANY_SUBSCRIPTIONS")])
            return
        try:
            request = request_from_params(payload, "POST", self.headers)
        except HttpError as exc:
            self._error(op_id, [error(exc.message, exc.code)])
            return
        if token_expired(self.principal):  # verified once, at connection_init; the socket lives on
            self._error(op_id, [error("The access token expired; connect again with a fresh one.",
                                      "UNAUTHENTICATED")])
            return
        request.principal = self.principal
        self.operations[op_id] = asyncio.ensure_future(self._operation(op_id, request))

    async def _operation(self, op_id: str, request: Any) -> None:
        from ..request import GraphQLResponse

        stream = None
        try:
            gateway = await self._gateway()
            if gateway is None:
                self._error(op_id, [error("The gateway is not ready; try again shortly.", "SERVICE_UNAVAILABLE")])
                return
            result = await gateway.subscribe(request)
            if isinstance(result, GraphQLResponse):
                if "data" not in result.body:
                    self._error(op_id, result.body.get("errors") or [])
                else:
                    self._next(op_id, result.body, force=True)
                    self._complete(op_id)
                return
            stream = result
            async for body in stream:
                if not self._next(op_id, body):
                    self._error(op_id, [error("The client is not reading its events fast enough: the "
                                              f"subscription was ended after {self.outbox.limit} waiting events.",
                                              "SUBSCRIPTION_BUFFER_FULL")])
                    return
            self._complete(op_id)
        except StreamError as exc:
            self._error(op_id, exc.errors)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("Subscription %s failed", op_id)
            self._error(op_id, [error("Internal server error.", "INTERNAL_SERVER_ERROR")])
        finally:
            if self.operations.get(op_id) is asyncio.current_task():
                del self.operations[op_id]
            if stream is not None:
                with contextlib.suppress(Exception):
                    await stream.aclose()

    def _next(self, op_id: str, body: Message, force: bool = False) -> bool:
        message = orjson.dumps({"id": op_id, "type": "next", "payload": body}).decode()
        if force:
            self.outbox.force(message)
            return True
        return self.outbox.offer(message)

    def _complete(self, op_id: str) -> None:
        self.outbox.force(orjson.dumps({"id": op_id, "type": "complete"}).decode())

    def _error(self, op_id: str, errors: list[Message]) -> None:
        self.outbox.force(orjson.dumps({"id": op_id, "type": "error", "payload": errors}).decode())

    # -- writing and keep-alive ---------------------------------------------------------------

    async def _write(self) -> None:
        while True:
            message = await self.outbox.get()
            if message is None:
                return
            try:
                if self._written - self._acked > UNREAD_WINDOW:
                    await self._wait_for_reader()
                await self._send({"type": "websocket.send", "text": message})
            except Exception:  # the client is gone: the reader sees the disconnect
                return
            self._written += len(message)
            if message == PING:
                self._pings.append(self._written)

    async def _wait_for_reader(self) -> None:
        """Block the writer until the client proves it read most of what was sent (see UNREAD_WINDOW)."""
        if not self._pings:
            await self._send({"type": "websocket.send", "text": PING})
            self._written += len(PING)
            self._pings.append(self._written)
        while self._written - self._acked > UNREAD_WINDOW:
            self._read_more.clear()
            await self._read_more.wait()

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(self.config.subscription_keepalive)
            if not len(self.outbox):  # messages waiting keep the line busy; pings must not pile up behind them
                self.outbox.force(PING)

    # -- closing --------------------------------------------------------------------------

    async def _stop_all(self) -> None:
        tasks = [*self.operations.values(), *self._tasks]
        self.operations.clear()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _close(self, code: int, reason: str) -> None:
        if self._closed:
            return
        self._closed = True
        await self._stop_all()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._send({"type": "websocket.close", "code": code, "reason": reason}), 5)


def token_expired(principal: Any) -> bool:
    """Whether the signed-in principal's token (its `exp` claim) has expired since it was verified."""
    claims = getattr(principal, "claims", None)
    exp = claims.get("exp") if claims else None
    return isinstance(exp, (int, float)) and exp < time.time()


def parse_message(raw: str | bytes) -> Message:
    try:
        message = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ProtocolClose(4400, "Invalid message: not JSON") from None
    if not isinstance(message, dict):
        raise ProtocolClose(4400, "Invalid message: not a JSON object")
    return message


def authorization_in(payload: Message) -> str | None:
    """`Authorization` (any case) at the top of the connection_init payload or under `headers`."""
    for where in (payload, payload.get("headers")):
        if isinstance(where, dict):
            for name, value in where.items():
                if isinstance(name, str) and name.lower() == "authorization" and isinstance(value, str):
                    return value
    return None
