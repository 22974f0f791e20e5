"""Cross-subscriber `_entities` batching: the entity fetches of many subscription events, one call.

When one upstream event reaches several client subscriptions (or several events arrive together),
each subscriber's run asks the same subgraph for the same kind of entities. `EntityBatcher` is the
transport those runs use: `_entities` calls that arrive within one batch window (default: the same
event-loop tick, give or take one hop) with the same service, URL, document, other variables and identifying headers are
sent as ONE call whose representations are the union (duplicates removed); each caller gets back
its own `_entities` list and the errors at its own indexes, as if it had called alone.

Grouping by the identifying headers (mux.connection_key: everything but per-request tracing
headers) means a subgraph never answers one viewer's entities under another viewer's identity.
Access is still decided per subscriber: each run prepares its operation for its own principal and
shapes its own copy of the result. Anything else (root fetches, lookups) goes straight through.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from .mux import connection_key


class _Batch:
    __slots__ = ("service", "url", "body", "headers", "call", "reps", "index", "waiters")

    def __init__(self, service: str, url: str, body: dict[str, Any], headers: dict[str, str] | None,
                 call: Any) -> None:
        self.service, self.url, self.body, self.headers, self.call = service, url, body, headers, call
        self.reps: list[Any] = []
        self.index: dict[bytes, int] = {}
        self.waiters: list[tuple[asyncio.Future[dict[str, Any]], list[int]]] = []


class EntityBatcher:
    """A SubgraphTransport that merges concurrent `_entities` calls; `calls` counts what it sent."""

    def __init__(self, transport: Any, window: float = 0.0) -> None:
        self.transport = transport
        self.window = window  # seconds to wait for more callers; 0: the rest of this event-loop tick
        self._open: dict[Any, _Batch] = {}
        self.calls = 0  # _entities calls sent
        self.requests = 0  # _entities calls asked for

    async def send(self, service: str, url: str, body: dict[str, Any], headers: dict[str, str] | None = None,
                   call: Any = None) -> dict[str, Any]:
        variables = body.get("variables")
        reps = variables.get("representations") if isinstance(variables, dict) else None
        if not isinstance(reps, list):
            response: dict[str, Any] = await self.transport.send(service, url, body, headers, call)
            return response
        self.requests += 1
        others = orjson.dumps({k: v for k, v in variables.items() if k != "representations"},  # type: ignore[union-attr]
                              option=orjson.OPT_SORT_KEYS)
        key = (service, body.get("query"), others, connection_key(url, headers or {}))
        batch = self._open.get(key)
        if batch is None:
            batch = self._open[key] = _Batch(service, url, body, headers, call)
            loop = asyncio.get_running_loop()
            if self.window > 0:
                loop.call_later(self.window, self._flush, key)
            else:  # two hops: callers woken in this tick that await once more (a hook) still join
                loop.call_soon(loop.call_soon, self._flush, key)
        positions = []
        for rep in reps:
            rep_key = orjson.dumps(rep, option=orjson.OPT_SORT_KEYS)
            i = batch.index.get(rep_key)
            if i is None:
                i = batch.index[rep_key] = len(batch.reps)
                batch.reps.append(rep)
            positions.append(i)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        batch.waiters.append((future, positions))
        return await future

    def _flush(self, key: Any) -> None:
        batch = self._open.pop(key, None)
        if batch is not None:
            asyncio.ensure_future(self._send(batch))

    async def _send(self, batch: _Batch) -> None:
        self.calls += 1
        body = {**batch.body, "variables": {**batch.body["variables"], "representations": batch.reps}}
        try:
            response = await self.transport.send(batch.service, batch.url, body, batch.headers, batch.call)
        except BaseException as failure:
            for future, _ in batch.waiters:
                if not future.done():
                    future.set_exception(failure)
            if not isinstance(failure, Exception):
                raise
            return
        for future, positions in batch.waiters:
            if not future.done():
                future.set_result(split(response, positions) if len(batch.waiters) > 1 else response)


def split(response: dict[str, Any], positions: list[int]) -> dict[str, Any]:
    """One caller's share of a merged `_entities` response: its entities in its order, the errors at
    its indexes re-numbered, errors without an entity index for everyone."""
    out: dict[str, Any] = {}
    data = response.get("data")
    if isinstance(data, dict):
        entities = data.get("_entities")
        if isinstance(entities, list):
            picked = [entities[i] if i < len(entities) else None for i in positions]
            out["data"] = {**data, "_entities": picked}
        else:
            out["data"] = data
    elif "data" in response:
        out["data"] = data
    errors = response.get("errors")
    if isinstance(errors, list):
        mine: list[Any] = []
        for e in errors:
            path = e.get("path") if isinstance(e, dict) else None
            if isinstance(path, list) and len(path) > 1 and path[0] == "_entities" and isinstance(path[1], int):
                for n, p in enumerate(positions):
                    if p == path[1]:
                        mine.append({**e, "path": ["_entities", n, *path[2:]]})
            else:
                mine.append(e)
        if mine:
            out["errors"] = mine
    for k, v in response.items():
        if k not in ("data", "errors"):
            out[k] = v
    return out
