"""The gateway's side of a subscription: one graphql-transport-ws connection to the subgraph that
owns the root Subscription field, per client subscription.

One connection per subscription (not one shared per subgraph) because the handshake carries the
caller's headers (signed identity, propagated headers, the service's X-API-Key): two callers never
share a socket. The `websockets` library reads only as fast as we consume, so a slow client slows
its own subgraph stream (TCP back-pressure), never the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import orjson

PROTOCOL = "graphql-transport-ws"


class UpstreamError(Exception):
    """The subgraph stream failed or ended abnormally; the message is safe to show clients."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None,
                 code: str = "SUBSCRIPTION_SOURCE_FAILED") -> None:
        super().__init__(message)
        self.code = code
        self.errors = errors  # the subgraph's own GraphQL errors, when it sent an `error` message


def websocket_url(url: str) -> str | None:
    """The subgraph's WebSocket URL for its HTTP URL (http -> ws, https -> wss); None when it has none."""
    if url.startswith("http://"):
        return "ws://" + url[len("http://"):]
    if url.startswith("https://"):
        return "wss://" + url[len("https://"):]
    if url.startswith(("ws://", "wss://")):
        return url
    return None  # lambda:FUNCTION and friends serve no WebSocket


async def subscribe(service: str, url: str, body: dict[str, Any], headers: dict[str, str], *,
                    open_timeout: float = 10.0,
                    max_size: int = 4 * 1024 * 1024) -> AsyncGenerator[dict[str, Any], None]:
    """Each `next` payload of one subscription on the subgraph, until it completes.

    Raises UpstreamError when the subgraph cannot be reached, refuses the operation (`error`), closes
    the socket without completing, or sends something that is not the protocol. Closing the generator
    (the client went away) sends `complete` and closes the socket."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
    from websockets.typing import Subprotocol

    try:
        socket = await connect(url, subprotocols=[Subprotocol(PROTOCOL)], additional_headers=headers,
                               open_timeout=open_timeout, max_size=max_size, compression=None, proxy=None,
                               user_agent_header=None)
    except (TimeoutError, OSError, InvalidHandshake, InvalidURI) as exc:
        raise UpstreamError(f'Subgraph "{service}" did not accept the subscription ({_reason(exc)}).') from None
    done = False
    try:
        await socket.send(orjson.dumps({"type": "connection_init", "payload": {}}).decode())
        acked = False
        while not acked:
            message = _parse(await asyncio.wait_for(socket.recv(), open_timeout), service)
            kind = message.get("type")
            if kind == "connection_ack":
                acked = True
            elif kind == "ping":
                await socket.send('{"type":"pong"}')
            elif kind != "pong":
                raise UpstreamError(f'Subgraph "{service}" sent "{kind}" before acknowledging the connection.')
        await socket.send(orjson.dumps({"id": "1", "type": "subscribe", "payload": body}).decode())
        while True:
            message = _parse(await socket.recv(), service)
            kind = message.get("type")
            if kind == "next" and message.get("id") == "1":
                payload = message.get("payload")
                if not isinstance(payload, dict):
                    raise UpstreamError(f'Subgraph "{service}" sent an event that is not a GraphQL result.')
                yield payload
            elif kind == "complete" and message.get("id") == "1":
                done = True
                return
            elif kind == "error" and message.get("id") == "1":
                done = True
                payload = message.get("payload")
                errors = [e for e in payload if isinstance(e, dict)] if isinstance(payload, list) else []
                raise UpstreamError(f'Subgraph "{service}" refused the subscription.', errors or None)
            elif kind == "ping":
                await socket.send('{"type":"pong"}')
            elif kind != "pong":
                raise UpstreamError(f'Subgraph "{service}" sent an unexpected "{kind}" message.')
    except TimeoutError:
        raise UpstreamError(f'Subgraph "{service}" did not acknowledge the connection in time.') from None
    except ConnectionClosed as exc:
        done = True
        raise UpstreamError(f'Subgraph "{service}" closed the subscription stream ({_close_reason(exc)}).',
                            code="SUBSCRIPTION_SOURCE_CLOSED") from None
    finally:
        await _close(socket, done)


async def _close(socket: Any, done: bool) -> None:
    """Tell the subgraph we stopped listening (when it still streams), then close; never raises."""
    try:
        if not done:
            await asyncio.wait_for(socket.send('{"id":"1","type":"complete"}'), 1.0)
        await asyncio.wait_for(socket.close(), 2.0)
    except BaseException:  # closing is best effort, also while being cancelled
        socket.transport.abort() if getattr(socket, "transport", None) is not None else None


def _parse(raw: Any, service: str) -> dict[str, Any]:
    try:
        message = orjson.loads(raw)
    except orjson.JSONDecodeError:
        message = None
    if not isinstance(message, dict):
        raise UpstreamError(f'Subgraph "{service}" sent a message that is not graphql-transport-ws.')
    return message


def _reason(exc: BaseException) -> str:
    from websockets.exceptions import InvalidStatus

    if isinstance(exc, InvalidStatus):
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    if isinstance(exc, OSError):
        return "connection failed"
    return "not a graphql-transport-ws endpoint"


def _close_reason(exc: Any) -> str:
    frame = exc.rcvd
    if frame is None:
        return "connection lost"
    return f"close code {frame.code}"
