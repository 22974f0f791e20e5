"""What the protocol layers (ws.py, sse.py) get from the gateway for one operation.

`Gateway.subscribe(request)` answers with a `GraphQLResponse` (refused, or a query or
mutation answered at once) or an `EventStream`: an async iterator of response bodies,
one per event, that raises `StreamError` when the subscription ends abnormally (the
subgraph failed or closed its stream, access was withdrawn) and simply stops when the
source stream completed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol


class StreamError(Exception):
    """The subscription ended abnormally; `errors` (GraphQL's error format) tell the client why."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"] if errors else "subscription ended")
        self.errors = errors


class EventStream(Protocol):
    def __aiter__(self) -> AsyncIterator[dict[str, Any]]: ...

    async def aclose(self) -> None: ...


def error(message: str, code: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}
