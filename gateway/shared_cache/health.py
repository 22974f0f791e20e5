"""What every shared store does when it is slow or down: count it a miss, back off, warn rarely.

A shared cache only saves round trips; it must never cost a request. So a lookup
that fails or exceeds its timeout is a miss, the store is then skipped for
BACKOFF_SECONDS (no request waits on a store known to be down), and one warning
is logged at most once a minute. The counters feed docs/scaling.md's hit rates
and the tests.
"""

from __future__ import annotations

import logging
import time

logger = logging.getLogger("bff.shared_cache")

BACKOFF_SECONDS = 5.0  # after a failure, the store is skipped this long
WARN_EVERY_SECONDS = 60.0
MAX_PENDING_WRITES = 256  # beyond this (a slow store), new writes are dropped, not queued


class StoreHealth:
    """Backoff, rate-limited warning and hit/miss counters shared by the store implementations."""

    url: str

    def __init__(self) -> None:
        self._skip_until = 0.0
        self._last_warning = -WARN_EVERY_SECONDS
        self.hits = self.misses = self.failures = self.ignored = self.writes = 0

    def skipping(self) -> bool:
        """True while the store is backed off after a failure."""
        return time.monotonic() < self._skip_until

    def _failed(self, exc: BaseException) -> None:
        self.failures += 1
        now = time.monotonic()
        self._skip_until = now + BACKOFF_SECONDS
        if now - self._last_warning >= WARN_EVERY_SECONDS:
            self._last_warning = now
            reason = type(exc).__name__ if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
            logger.warning("shared cache %s unavailable (%s); answering from the in-process cache, next try in "
                           "%.0f s (logged at most once a minute)", self.url, reason, BACKOFF_SECONDS)
