"""Retries with backoff, a circuit breaker per subgraph, and `ResilientTransport` applying them.

`RetryPolicy` says how often and how long to wait: exponential backoff with full
jitter (a random delay between 0 and base * 2**attempt, capped). The transport
retries only queries, and only failures where the subgraph gave no usable answer
at the transport level (connection failures, timeouts, HTTP 502/503/504).

`CircuitBreaker` counts consecutive failures of one subgraph. At `threshold` it
opens: calls fail fast for `open_seconds`. Then it is half-open: one probe call
goes through; success closes it, failure opens it again for another period.

`ResilientTransport` wraps any `SubgraphTransport` (transport.py): each attempt
gets the subgraph's deadline (`timeouts[service]` or `timeout`); queries (never
mutations) are retried per the subgraph's policy (`retries[service]` or `retry`)
on retryable failures; an open breaker
fails fast without calling the inner transport. Kept apart from the transports
so the HTTP, httpx and Lambda ones and any user transport behave the same.
Each final failure and each opening/closing is reported to a `SubgraphLog`
(subgraph_log.py: rate-limited WARNING lines for the operator).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import SubgraphFailure
from .subgraph_log import SubgraphLog
from .transport import RETRY_STATUSES, is_mutation

__all__ = ["RETRY_STATUSES", "Breakers", "CircuitBreaker", "ResilientTransport", "RetryPolicy"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries: `max_retries` after the first attempt (0 turns retries off)."""

    max_retries: int = 2
    base_delay: float = 0.05  # seconds
    max_delay: float = 1.0
    # A timed-out request is not retried by default: a hanging subgraph would hold the
    # client for (retries + 1) x its timeout.
    retry_timeouts: bool = False

    def delay(self, retry: int, rand: Callable[[float, float], float] = random.uniform) -> float:
        """Seconds to wait before retry number `retry` (0-based): full jitter."""
        return rand(0.0, min(self.max_delay, self.base_delay * (2 ** retry)))


CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"


@dataclass(slots=True)
class CircuitBreaker:
    """One subgraph's breaker; `threshold` 0 never opens."""

    threshold: int = 5
    open_seconds: float = 10.0
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    opened_at: float = 0.0
    state: str = CLOSED
    _probing: bool = field(default=False, repr=False)
    service: str = ""
    log: SubgraphLog | None = field(default=None, repr=False)

    def allow(self) -> bool:
        """Whether a call may go out now (in half-open state: one probe at a time)."""
        if self.state == CLOSED:
            return True
        if self.state == OPEN:
            if self.clock() - self.opened_at < self.open_seconds:
                return False
            self.state = HALF_OPEN
            self._probing = False
        if self._probing:
            return False
        self._probing = True
        return True

    def success(self) -> None:
        if self.state != CLOSED and self.log is not None:
            self.log.circuit_closed(self.service)
        self.failures = 0
        self.state = CLOSED
        self._probing = False

    def failure(self, reason: str = "") -> None:
        """A call that failed after its retries; `reason` is the failure's (client-safe) message."""
        self._probing = False
        self.failures += 1
        was = self.state
        if was == HALF_OPEN or (self.threshold and self.failures >= self.threshold):
            self.state = OPEN
            self.opened_at = self.clock()
        if self.log is None:
            return
        if was == CLOSED and self.state == OPEN:
            self.log.circuit_opened(self.service, self.failures, self.open_seconds)
        else:
            self.log.failure(self.service, reason + (" (the circuit stays open)" if was == HALF_OPEN else ""))

    def release(self) -> None:
        """A call that neither succeeded nor failed (cancelled): let another probe through."""
        self._probing = False


class Breakers:
    """Breakers by subgraph name, created on first use, reporting to one SubgraphLog. `overrides` gives
    a subgraph its own (threshold, open_seconds); the others get `threshold` and `open_seconds`."""

    def __init__(self, threshold: int = 5, open_seconds: float = 10.0,
                 clock: Callable[[], float] = time.monotonic, log: SubgraphLog | None = None,
                 overrides: dict[str, tuple[int, float]] | None = None) -> None:
        self.threshold = threshold
        self.open_seconds = open_seconds
        self.clock = clock
        self.log = log if log is not None else SubgraphLog(clock=clock)
        self.overrides = dict(overrides or {})
        self._by_service: dict[str, CircuitBreaker] = {}

    def __getitem__(self, service: str) -> CircuitBreaker:
        breaker = self._by_service.get(service)
        if breaker is None:
            threshold, open_seconds = self.overrides.get(service, (self.threshold, self.open_seconds))
            breaker = self._by_service[service] = CircuitBreaker(threshold, open_seconds, self.clock,
                                                                 service=service, log=self.log)
        return breaker

    def not_closed(self) -> dict[str, str]:
        """Subgraph name -> state ("open" or "half-open") of every breaker that is not closed (for /health)."""
        out: dict[str, str] = {}
        for service, breaker in self._by_service.items():
            if breaker.state == OPEN and self.clock() - breaker.opened_at >= breaker.open_seconds:
                out[service] = HALF_OPEN  # a probe may go now
            elif breaker.state != CLOSED:
                out[service] = breaker.state
        return out


class ResilientTransport:
    def __init__(self, inner: Any, timeout: float = 30.0, timeouts: dict[str, float] | None = None,
                 retry: RetryPolicy | None = None, breakers: Breakers | None = None,
                 retries: dict[str, RetryPolicy] | None = None) -> None:
        self.inner = inner  # the wrapped SubgraphTransport
        self.timeout = timeout
        self.timeouts = dict(timeouts or {})  # service name -> seconds; others get `timeout`
        self.retry = retry  # None: no retries
        self.retries = dict(retries or {})  # service name -> its own policy; others get `retry`
        self.breakers = breakers  # None: no circuit breaking

    async def send(self, service: str, url: str, body: dict[str, Any], headers: dict[str, str] | None = None,
                   call: Any = None) -> dict[str, Any]:
        breaker = self.breakers[service] if self.breakers is not None else None
        if breaker is not None and not breaker.allow():
            raise SubgraphFailure(f'Subgraph "{service}" is unavailable (circuit open)')
        retry = self.retries.get(service, self.retry) if self.retries else self.retry
        retries = 0 if retry is None or is_mutation(body) else retry.max_retries
        deadline = self.timeouts.get(service, self.timeout)
        attempt = 0
        try:
            while True:
                try:
                    try:
                        async with asyncio.timeout(deadline):
                            result: dict[str, Any] = await self.inner.send(service, url, body, headers, call)
                    except TimeoutError:
                        raise SubgraphFailure(f'Subgraph "{service}" did not answer in time', retryable=True,
                                              timeout=True) from None
                except SubgraphFailure as failure:
                    if failure.retryable and attempt < retries and (
                            not failure.timeout or retry.retry_timeouts):  # type: ignore[union-attr]
                        await asyncio.sleep(retry.delay(attempt))  # type: ignore[union-attr]
                        attempt += 1
                        continue
                    if breaker is not None:
                        breaker.failure(f"{failure} ({url})")  # the operator's log names the URL
                    raise
                if breaker is not None:
                    breaker.success()
                return result
        except asyncio.CancelledError:
            if breaker is not None:
                breaker.release()
            raise

    async def aclose(self) -> None:
        await self.inner.aclose()
