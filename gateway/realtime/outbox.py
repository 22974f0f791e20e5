"""The bounded buffer between a client's subscriptions and its socket.

Events wait here while the client reads slowly; one writer task drains it. When a
client stops reading, the socket's own buffers fill, the writer blocks, and events
pile up here until `limit`: then `offer` refuses and the subscription that offered is
ended with an error (queued with `force`, which bypasses the limit for the few
protocol messages a subscription sends when it ends). Memory per client is bounded
by `limit` events plus one message per subscription.
"""

from __future__ import annotations

import asyncio
from collections import deque


class Outbox:
    __slots__ = ("limit", "_items", "_events", "_ready", "closed")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: deque[tuple[str, bool]] = deque()  # (message, is an event counted against the limit)
        self._events = 0
        self._ready = asyncio.Event()
        self.closed = False

    def offer(self, message: str) -> bool:
        """Queue an event; False when `limit` events are already waiting (the client is not reading)."""
        if self._events >= self.limit:
            return False
        self._events += 1
        self._items.append((message, True))
        self._ready.set()
        return True

    def force(self, message: str) -> None:
        """Queue a protocol message (complete, error, pong, ping) whatever the backlog."""
        self._items.append((message, False))
        self._ready.set()

    def __len__(self) -> int:
        return len(self._items)

    async def get(self) -> str | None:
        """The next message, waiting for one; None once closed and drained."""
        while not self._items:
            if self.closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        message, counted = self._items.popleft()
        if counted:
            self._events -= 1
        return message

    def close(self) -> None:
        """No more messages; `get` returns what is left, then None."""
        self.closed = True
        self._ready.set()
