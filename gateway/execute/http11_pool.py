"""A bounded pool of keep-alive connections for one origin (scheme, host, port).

At most `max_size` connections exist at once, idle or busy; callers beyond that
wait in line and are handed a connection (or the right to open one) in arrival
order, so a burst of requests queues instead of growing connections without
bound. Idle connections are reused most-recent-first, which lets the ones that
stay unused age out (`idle_timeout`, kept below the usual 5 s server keep-alive
so we rarely pick a connection the server is about to close).
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, Protocol, TypeVar


class Pooled(Protocol):
    """What the pool needs from a connection."""

    idle_since: float

    def reusable(self) -> bool: ...
    def abort(self) -> None: ...


C = TypeVar("C", bound=Pooled)


class PoolClosed(Exception):
    """The pool was closed while a caller waited for a connection."""


class Pool(Generic[C]):
    def __init__(self, loop: asyncio.AbstractEventLoop, max_size: int, idle_timeout: float) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self.loop = loop
        self.max_size = max_size
        self.idle_timeout = idle_timeout
        self.size = 0  # connections that exist, idle or busy, plus slots reserved for ones being opened
        self.closed = False
        self._idle: deque[C] = deque()
        self._waiters: deque[asyncio.Future[C | None]] = deque()

    async def acquire(self) -> C | None:
        """A reusable idle connection, or None: the caller holds a slot and must open one.

        Every call must be matched by `release(conn)` or `free_slot()` (after aborting
        whatever connection the caller was using).
        """
        if self.closed:
            raise PoolClosed()
        conn = self._take_idle()
        if conn is not None:
            return conn
        if self.size < self.max_size:
            self.size += 1
            return None
        waiter: asyncio.Future[C | None] = self.loop.create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except BaseException:
            # Cancelled (deadline, caller gone) after being handed something: pass it on.
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                handed = waiter.result()
                if handed is None:
                    self.free_slot()
                else:
                    self.release(handed)
            raise

    def release(self, conn: C) -> None:
        """Give back a connection after a completed exchange; unusable ones are closed."""
        if self.closed or not conn.reusable():
            conn.abort()
            self.free_slot()
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        conn.idle_since = self.loop.time()
        self._idle.append(conn)
        self._expire_oldest()

    def free_slot(self) -> None:
        """The caller's connection is gone (failed or aborted); its slot goes to the next waiter."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot moves to the waiter: size is unchanged
                return
        self.size -= 1

    def close(self) -> None:
        """Abort idle connections; busy ones are aborted when released; waiters fail."""
        self.closed = True
        while self._idle:
            self._idle.pop().abort()
            self.size -= 1
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(PoolClosed())

    def _take_idle(self) -> C | None:
        now = self.loop.time()
        while self._idle:
            conn = self._idle.pop()
            if conn.reusable() and now - conn.idle_since < self.idle_timeout:
                return conn
            conn.abort()
            self.size -= 1
        return None

    def _expire_oldest(self) -> None:
        # The least recently used connection sits at the left; drop it once expired so a
        # steady load does not keep dead connections (and their slots) around forever.
        if len(self._idle) > 1:
            oldest = self._idle[0]
            if not oldest.reusable() or self.loop.time() - oldest.idle_since >= self.idle_timeout:
                self._idle.popleft().abort()
                self.size -= 1
