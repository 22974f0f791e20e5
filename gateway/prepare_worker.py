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

The queue is bounded (`limits.prepare_queue` waiting jobs): past it a job is refused at once with
`Busy` (HTTP 503, SERVER_BUSY, Retry-After), and a job that waited longer than `limits.prepare_wait`
seconds is refused when its turn comes instead of prepared. A job whose caller gives up while it waits
(the client disconnected: `gone`) leaves the queue without running. Refusals are logged once per
burst: a WARNING at the first, a summary when the queue next takes a job with nobody waiting.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import logging
import math
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from .operation.errors import RequestError

T = TypeVar("T")
SHARE = 0.5  # the part of one core the preparing thread may use, averaged over its recent jobs
MAX_REST = 0.25  # seconds: one very long job does not stall the queue for longer
TARPIT = 1.0  # seconds at most before a busy refusal is answered (see `run`)
SUMMARY_INTERVAL = 60.0  # seconds: during a long burst of refusals, one summary line this often
logger = logging.getLogger("bff.prepare")


class Busy(RequestError):
    """The preparing thread's queue is full, or this job waited too long in it: HTTP 503, retry later."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__([{"message": message, "extensions": {"code": "SERVER_BUSY"}}], status=503)
        self.headers = {"retry-after": str(retry_after)}


class ClientGone(RequestError):
    """The caller went away while its job waited: the job left the queue unprepared."""

    def __init__(self) -> None:
        super().__init__([{"message": "The client disconnected while its document waited to be prepared.",
                           "extensions": {"code": "CLIENT_DISCONNECTED"}}], status=499)


class PrepareWorker:
    """`await worker.run(fn, *args)`: `fn(*args)` in the preparing thread, in the caller's context.
    `queue`: how many jobs may wait (None: no bound); `wait`: seconds a job may wait (None: no bound)."""

    def __init__(self, share: float = SHARE, queue: int | None = None, wait: float | None = None,
                 pause: float = TARPIT) -> None:
        if queue is not None and queue < 1:
            raise ValueError(f"prepare queue must hold at least one job (got {queue})")
        self.share = share
        self.queue = queue
        self.wait = wait
        self.pause = pause  # before a busy refusal is answered (see `run`)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bff-prepare")
        self._rest_until = 0.0  # monotonic time before which the thread does not start the next job
        self._period = 0.0  # the last job's CPU time plus its rest: how fast the queue drains
        # Waiting jobs = submitted - started - dropped; each counter has one writer (loop, thread, loop),
        # so no lock is needed.
        self.submitted = 0
        self.started = 0
        self.dropped = 0  # left the queue unprepared: their caller went away
        self.refused = 0  # refused (queue full, or waited too long), in total
        self._burst = 0  # refused since the burst began (0: no burst)
        self._burst_since = 0.0
        self._summary_at = 0.0

    @property
    def waiting(self) -> int:
        return self.submitted - self.started - self.dropped

    async def run(self, fn: Any, *args: Any, gone: Callable[[], Awaitable[Any]] | None = None) -> Any:
        """`fn(*args)` in the thread; Busy when the queue is full or the job waited too long; ClientGone
        when `gone` (an awaitable that ends when the caller went away) ends while the job waits."""
        waiting = self.waiting
        if self.queue is not None and waiting >= self.queue:
            self._refuse(f"{waiting} documents are waiting to be prepared")
            retry_after = self._retry_after()
            # Answered after a pause, not at once: a client that retries without reading Retry-After
            # would otherwise loop on cheap refusals and take the event loop from everyone else (80
            # looping attackers: /health p99 104 ms refusing at once, see docs/limits.md). Waiting
            # costs a timer, not CPU; the bound on memory is kept (the document is not queued).
            await asyncio.sleep(min(retry_after, self.pause))
            raise Busy("The server is busy preparing other new documents; retry shortly.", retry_after)
        if self._burst and waiting == 0:
            self._end_burst()
        context = contextvars.copy_context()
        self.submitted += 1
        job = self._pool.submit(context.run, self._job, time.monotonic(), fn, *args)
        result = asyncio.wrap_future(job)
        try:
            if gone is None:
                return await result
            watcher = asyncio.ensure_future(gone())
            try:
                await asyncio.wait((result, watcher), return_when=asyncio.FIRST_COMPLETED)
            finally:
                watcher.cancel()
            if result.done():
                return result.result()
            if job.cancel():
                self.dropped += 1
                raise ClientGone()
            return await result  # already being prepared: its result goes to the cache for the next caller
        except asyncio.CancelledError:
            if job.cancel():
                self.dropped += 1
            raise
        except Busy as busy:
            self._refuse(str(busy))
            raise

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False)

    def _job(self, submitted: float, fn: Any, *args: Any) -> Any:
        self.started += 1
        rest = self._rest_until - time.monotonic()
        if rest > 0:
            time.sleep(rest)  # releases the GIL and the core
        waited = time.monotonic() - submitted
        if self.wait is not None and waited > self.wait:
            raise Busy(f"The server is busy: this document waited {waited:.1f} s to be prepared; retry shortly.",
                       self._retry_after())
        started = time.thread_time()
        try:
            return _collected(fn, *args)
        finally:
            used = time.thread_time() - started
            rest = min(MAX_REST, used * (1 - self.share) / self.share)
            self._period = used + rest
            self._rest_until = time.monotonic() + rest

    def _retry_after(self) -> int:
        """Seconds until the queue has likely drained (at least 1)."""
        return max(1, math.ceil(self.waiting * self._period))

    def _refuse(self, why: str) -> None:
        """Count one refusal; log the first of a burst, then a summary at most every SUMMARY_INTERVAL."""
        self.refused += 1
        now = time.monotonic()
        if not self._burst:
            self._burst_since = self._summary_at = now
            logger.warning("refusing big new documents with 503 SERVER_BUSY: %s (limits.prepare_queue %s, "
                           "limits.prepare_wait %s s)", why, self.queue, self.wait)
        self._burst += 1
        if now - self._summary_at >= SUMMARY_INTERVAL:
            self._summary_at = now
            logger.warning("still refusing big new documents: %d refused in the last %.0f s",
                           self._burst, now - self._burst_since)

    def _end_burst(self) -> None:
        logger.warning("the prepare queue has room again: %d requests were refused in %.1f s",
                       self._burst, time.monotonic() - self._burst_since)
        self._burst = 0


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
