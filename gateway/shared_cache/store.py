"""`open_shared_store(url)`: the shared cache store a URL names, by its scheme."""

from __future__ import annotations

from typing import Any

USAGE = ("use dynamodb://TABLE[?region=R&endpoint=URL&timeout=S&create=1] or "
         "redis://HOST[:PORT][/DB][?timeout=S&prefix=P] (docs/scaling.md)")


def open_shared_store(url: str, ttl: float = 86400.0) -> Any:
    """The store at `url`, not yet connected (ValueError, naming the problem, for a URL it cannot use)."""
    scheme = url.partition("://")[0]
    if scheme == "dynamodb":
        from .dynamodb import DynamoDBCache

        return DynamoDBCache.from_url(url, ttl)
    if scheme in ("redis", "rediss"):
        from .redis_store import RedisCache

        return RedisCache.from_url(url, ttl)
    raise ValueError(f"unknown shared store {url.split('@')[-1]!r}: {USAGE}")
