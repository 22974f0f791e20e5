"""The shared cache store on Redis or Valkey: `redis://[USER:PASSWORD@]HOST[:PORT][/DB]?timeout=S&prefix=P`.

For replicas that already run Redis/Valkey (containers, Kubernetes), as Apollo
Router does for its APQ cache. One key per entry, `PREFIX KIND:KEY` (prefix
`bff:` by default), holding JSON `{"v": FORMAT_VERSION, "doc": VALUE}` written
with `SET ... EX ttl`: Redis expires it itself. The `redis` package's asyncio
client (the `redis` extra) is imported when the first lookup runs, never on the
cold path of a gateway that does not use it; it talks on the event loop, so no
thread pool. `rediss://` is Redis over TLS.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .health import MAX_PENDING_WRITES, StoreHealth, logger

FORMAT_VERSION = 1
SCHEMES = ("redis", "rediss")
USAGE = "use redis://[USER:PASSWORD@]HOST[:PORT][/DB][?timeout=S&prefix=P] (or rediss:// for TLS)"


class RedisCache(StoreHealth):
    """get(kind, key) -> value or None, never raising; put(kind, key, value) without waiting."""

    def __init__(self, url: str, *, timeout: float = 0.1, ttl: float = 86400.0, prefix: str = "bff:") -> None:
        super().__init__()
        self.connect_url, self.timeout, self.ttl, self.prefix = url, timeout, ttl, prefix
        parts = urlsplit(url)
        # For log lines: never the password.
        host = f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname or ""
        self.url = urlunsplit((parts.scheme, host, parts.path, "", ""))
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writing: set[asyncio.Task[None]] = set()

    @classmethod
    def from_url(cls, url: str, ttl: float = 86400.0) -> RedisCache:
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise ValueError(f"bad shared store URL {_redacted(url)!r}: {USAGE}")
        try:
            parts.port  # noqa: B018 - raises for a port that is not a number
            db = parts.path.strip("/")
            if db and not db.isdigit():
                raise ValueError(f"the database is a number, not {db!r}")
        except ValueError as exc:
            raise ValueError(f"bad shared store URL {_redacted(url)!r}: {exc}; {USAGE}") from None
        query = dict(parse_qsl(parts.query))
        unknown = set(query) - {"timeout", "prefix"}
        if unknown:
            raise ValueError(f"bad shared store URL {_redacted(url)!r}: unknown parameter(s) "
                             f"{', '.join(sorted(unknown))}; {USAGE}")
        try:
            timeout = float(query.get("timeout", 0.1))
        except ValueError:
            raise ValueError(f"bad shared store URL {_redacted(url)!r}: timeout must be seconds, "
                             f"not {query['timeout']!r}") from None
        if not timeout > 0:
            raise ValueError(f"bad shared store URL {_redacted(url)!r}: timeout must be more than 0 seconds")
        from importlib.util import find_spec

        if find_spec("redis") is None:
            raise ValueError(f"shared store {_redacted(url)!r} needs the redis package: pip install 'bff[redis]'")
        connect = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        return cls(connect, timeout=timeout, ttl=ttl, prefix=query.get("prefix", "bff:"))

    # -- reads and writes ------------------------------------------------------------------------

    async def get(self, kind: str, key: str) -> str | None:
        """The stored value, or None: missing, unreadable, of another format, or the store slow or down."""
        if self.skipping():
            return None
        try:
            raw = await asyncio.wait_for(self._redis().get(self._key(kind, key)), self.timeout)
        except Exception as exc:  # TimeoutError, ConnectionError, an error reply: a miss, never an error
            self._failed(exc)
            return None
        value = _value(raw)
        if value is None:
            if raw is not None:
                self.ignored += 1
                logger.debug("shared cache: ignoring an unreadable item %s:%s", kind, key)
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, kind: str, key: str, value: str) -> None:
        """Written in the background (overwriting whatever is there); dropped when the store is down or slow."""
        if self.skipping() or len(self._writing) >= MAX_PENDING_WRITES:
            return
        task = asyncio.get_running_loop().create_task(self._set(self._key(kind, key), value))
        self._writing.add(task)
        task.add_done_callback(self._writing.discard)

    async def _set(self, name: str, value: str) -> None:
        item = json.dumps({"v": FORMAT_VERSION, "doc": value}, separators=(",", ":"))
        try:
            await asyncio.wait_for(self._redis().set(name, item, ex=max(1, int(self.ttl))), max(self.timeout, 1.0))
        except Exception as exc:
            self._failed(exc)
        else:
            self.writes += 1

    async def aclose(self) -> None:
        """Lets writes in flight finish (bounded by their timeout), then closes the connections."""
        if self._writing:
            await asyncio.gather(*self._writing, return_exceptions=True)
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            try:
                await client.aclose()
            except Exception:  # closing a broken connection: nothing to do about it
                pass

    # -- the client --------------------------------------------------------------------------------

    def _key(self, kind: str, key: str) -> str:
        return f"{self.prefix}{kind}:{key}"

    def _redis(self) -> Any:
        """The client of the running event loop (redis' asyncio connections belong to one loop)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            import redis.asyncio
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff
            from redis.exceptions import ConnectionError as RedisConnectionError

            # The socket timeouts bound a connection's wait; callers stop waiting after self.timeout.
            # One immediate retry on a connection error: a pooled connection the server dropped (a
            # restart, a failover) is replaced at once instead of costing a miss and a backoff;
            # a server that is down still fails fast.
            self._client = redis.asyncio.Redis.from_url(
                self.connect_url, socket_timeout=max(self.timeout * 10, 1.0),
                socket_connect_timeout=max(self.timeout * 10, 1.0), decode_responses=True,
                retry=Retry(NoBackoff(), 1), retry_on_error=[RedisConnectionError])
            self._loop = loop
        return self._client


def _value(raw: Any) -> str | None:
    """The item's value when it is of this format; None otherwise."""
    try:
        item = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    if not isinstance(item, dict) or item.get("v") != FORMAT_VERSION:
        return None
    value = item.get("doc")
    return value if isinstance(value, str) else None


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(parse_qsl(parts.query)), ""))
