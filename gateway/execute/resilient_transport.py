"""Retries, circuit breakers and per-subgraph timeouts around any `SubgraphTransport`.

Each attempt gets the subgraph's deadline (`timeouts[service]` or `timeout`);
queries (never mutations) are retried per the `RetryPolicy` on retryable
failures (resilience.py); an open breaker fails fast without calling the inner
transport. Kept apart from the transports so the HTTP, httpx and Lambda ones
and any user transport get the same behaviour.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .resilience import Breakers, RetryPolicy
from .errors import SubgraphFailure
from .transport import is_mutation


class ResilientTransport:
    def __init__(self, inner: Any, timeout: float = 30.0, timeouts: dict[str, float] | None = None,
                 retry: RetryPolicy | None = None, breakers: Breakers | None = None) -> None:
        self.inner = inner  # the wrapped SubgraphTransport
        self.timeout = timeout
        self.timeouts = dict(timeouts or {})  # service name -> seconds; others get `timeout`
        self.retry = retry  # None: no retries
        self.breakers = breakers  # None: no circuit breaking

    async def send(self, service: str, url: str, body: dict[str, Any], headers: dict[str, str] | None = None,
                   call: Any = None) -> dict[str, Any]:
        breaker = self.breakers[service] if self.breakers is not None else None
        if breaker is not None and not breaker.allow():
            raise SubgraphFailure(f'Subgraph "{service}" is unavailable (circuit open)')
        retry = self.retry
        retries = 0 if retry is None or is_mutation(body) else retry.max_retries
        deadline = self.timeouts.get(service, self.timeout)
        attempt = 0
        try:
            while True:
                try:
                    try:
                        async with asyncio.timeout(deadline):
                            result = await self.inner.send(service, url, body, headers, call)
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
                        breaker.failure()
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
