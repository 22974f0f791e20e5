"""Two strawberry subgraphs for the real-time tests: `ticks` owns Subscription.ticks (events on a timer, as many
and as large as asked) and Subscription.failAfter (a source that breaks), `words` adds Tick.word through
`_entities`; `Tick.code` and `Tick.secret` are behind @policy. `ACTIVE` counts the source streams running in
`ticks`, so a test can see none is leaked."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.federation.schema_directives import Policy

ACTIVE = {"ticks": 0}


@strawberry.federation.type(keys=["n"])
class Tick:
    n: int
    label: str
    at: float = strawberry.field(description="Unix time the subgraph emitted the event.")
    padding: str = ""
    # Behind @policy "tick_code": in the source stream's own selection (access changes there end the subscription).
    code: str | None = strawberry.federation.field(default=None, directives=[Policy(policies=[["tick_code"]])])


@strawberry.type
class TicksQuery:
    @strawberry.field
    def hello(self) -> str:
        return "hello"


@strawberry.type
class TicksSubscription:
    @strawberry.subscription
    async def ticks(self, count: int = -1, interval_ms: int = 50, size: int = 0,
                    offset_ms: int = 0) -> AsyncGenerator[Tick, None]:
        ACTIVE["ticks"] += 1
        try:
            await asyncio.sleep(offset_ms / 1000)  # spreads many subscribers' ticks over the interval
            i = 0
            while count < 0 or i < count:
                await asyncio.sleep(interval_ms / 1000)
                i += 1
                yield Tick(n=i, label=f"tick {i}", at=time.time(), padding="x" * size, code=f"code {i}")
        finally:
            ACTIVE["ticks"] -= 1

    @strawberry.subscription
    async def fail_after(self, n: int) -> AsyncGenerator[Tick, None]:
        for i in range(1, n + 1):
            yield Tick(n=i, label=f"tick {i}", at=time.time())
        await asyncio.sleep(0.05)
        raise RuntimeError("the source broke")


@strawberry.federation.type(keys=["n"], name="Tick")
class WordTick:
    n: int

    @strawberry.field
    def word(self) -> str:
        return f"word {self.n}"

    @strawberry.federation.field(directives=[Policy(policies=[["tick_secret"]])])
    def secret(self) -> str | None:
        """Behind @policy "tick_secret": fetched per event from this subgraph."""
        return f"secret {self.n}"

    @classmethod
    def resolve_reference(cls, n: int) -> WordTick:
        return cls(n=int(n))


@strawberry.type
class WordsQuery:
    @strawberry.field
    def ping(self) -> str:
        return "pong"


def ticks_schema() -> object:
    from services.toolkit import Schema

    return Schema(query=TicksQuery, subscription=TicksSubscription, types=[Tick])


def words_schema() -> object:
    from services.toolkit import Schema

    return Schema(query=WordsQuery, types=[WordTick])


class Counting:
    """ASGI middleware around a subgraph that counts what the gateway opens and sends: WebSocket connections
    (`sockets`, open now: `open`, with the x-bff-principal each carried) and POST requests (`posts`, for `words`:
    its `_entities` calls). The load benchmark reads the same counters from GET /counts."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.sockets = 0
        self.open = 0
        self.posts = 0
        self.principals: list[str | None] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            self.sockets += 1
            self.open += 1
            principal = dict(scope["headers"]).get(b"x-bff-principal")
            self.principals.append(principal.decode() if principal else None)
            try:
                await self.app(scope, receive, send)
            finally:
                self.open -= 1
            return
        if scope["type"] == "http" and scope["path"] == "/counts":
            body = json.dumps({"sockets": self.sockets, "open": self.open, "posts": self.posts}).encode()
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body})
            return
        if scope["type"] == "http" and scope["method"] == "POST":
            self.posts += 1
        await self.app(scope, receive, send)
