"""The one thread that prepares big new documents (parse, limits, validation, planning) off the event loop.

One thread: a flood of new documents queues here instead of running side by side. But a thread that
prepares without pause still takes a whole core and half the GIL from the event loop on a small
machine. So the thread is paced: before each job it rests as long as the previous jobs' CPU time,
scaled to keep its share of a core at `SHARE`. The first document after a quiet moment is never
delayed (the rest comes after a job, before the next one); under a flood, the queue waits and
/health, cached requests and the subgraph calls in flight get the rest (tests/hardening/attack_load.py).

Each job is followed by a garbage collection: validation leaves thousands of reference cycles, and
collected at once each pause is one document's garbage, instead of the garbage of many documents in
one long full collection later (measured under the attack load: /health p99 260 ms without, 68 ms
with; the collector holds the GIL, so a pause in this thread stalls the event loop too).
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from .operation.errors import RequestError

T = TypeVar("T")
SHARE = 0.5  # the part of one core the preparing thread may use, averaged over its recent jobs
MAX_REST = 0.25  # seconds: one very long job does not stall the queue for longer


class PrepareWorker:
    """`await worker.run(fn, *args)`: `fn(*args)` in the preparing thread, in the caller's context."""

    def __init__(self, share: float = SHARE) -> None:
        self.share = share
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bff-prepare")
        self._rest_until = 0.0  # monotonic time before which the thread does not start the next job

    async def run(self, fn: Any, *args: Any) -> Any:
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(self._pool, context.run, self._job, fn, *args)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False)

    def _job(self, fn: Any, *args: Any) -> Any:
        rest = self._rest_until - time.monotonic()
        if rest > 0:
            time.sleep(rest)  # releases the GIL and the core
        started = time.thread_time()
        try:
            return _collected(fn, *args)
        finally:
            used = time.thread_time() - started
            self._rest_until = time.monotonic() + min(MAX_REST, used * (1 - self.share) / self.share)


def _collected(fn: Any, *args: Any) -> Any:
    """`fn(*args)`, then a garbage collection when validation ran (see the module's docstring)."""
    try:
        result = fn(*args)
    except RequestError as error:  # refused before validation (size, tokens, limits): no cycles were made
        if any((e.get("extensions") or {}).get("code") == "GRAPHQL_VALIDATION_FAILED" for e in error.errors):
            gc.collect()
        raise
    gc.collect()
    return result
