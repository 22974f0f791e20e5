"""The retry delays, the breaker's states and the Cache-Control merge, without a network."""

from __future__ import annotations

from gateway.execute.headers import most_restrictive
from gateway.execute.resilience import CircuitBreaker, RetryPolicy


def test_backoff_is_exponential_with_full_jitter_and_capped():
    policy = RetryPolicy(max_retries=5, base_delay=0.1, max_delay=0.5)
    assert [policy.delay(n, lambda lo, hi: hi) for n in range(4)] == [0.1, 0.2, 0.4, 0.5]
    assert all(policy.delay(n, lambda lo, hi: lo) == 0.0 for n in range(4))
    assert all(0.0 <= policy.delay(3) <= 0.5 for _ in range(100))


def test_breaker_open_half_open_closed():
    now = [0.0]
    breaker = CircuitBreaker(threshold=2, open_seconds=5, clock=lambda: now[0])
    breaker.failure()
    assert breaker.allow()
    breaker.failure()
    assert not breaker.allow()
    now[0] = 5.0
    assert breaker.allow() and not breaker.allow()  # one probe at a time
    breaker.failure()
    assert not breaker.allow()
    now[0] = 10.0
    assert breaker.allow()
    breaker.success()
    assert breaker.allow() and breaker.allow()


def test_cache_control_most_restrictive():
    assert most_restrictive([]) is None
    assert most_restrictive(["max-age=300", "public, max-age=60"]) == "max-age=60"
    assert most_restrictive(["max-age=300", "private, max-age=600"]) == "private, max-age=300"
    assert most_restrictive(["private, max-age=60", "no-store"]) == "no-store"
    assert most_restrictive(["no-cache", "max-age=60"]) == "max-age=0"
