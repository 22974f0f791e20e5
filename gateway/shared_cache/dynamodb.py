"""The shared cache store on DynamoDB: `dynamodb://TABLE?region=R&endpoint=URL&timeout=S&create=1`.

One item per entry: `pk` (S, the table's hash key) = "KIND#KEY", `v` (N) the
format version, `doc` (S) the value, `exp` (N) epoch seconds after which it is
stale (enable TTL on `exp` and DynamoDB deletes it eventually; reads check it
themselves, as DynamoDB deletes late). Reads and writes go through the
registry's lean client (signed HTTP, no botocore import on the cold path; botocore
when the credentials are not in the environment, e.g. an ECS task role) in a
small thread pool, so the event loop never waits on a socket. `create=1` creates
the table with TTL on (local development and tests).
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .health import MAX_PENDING_WRITES, StoreHealth, logger

FORMAT_VERSION = 1


class DynamoDBCache(StoreHealth):
    """get(kind, key) -> value or None, never raising; put(kind, key, value) without waiting."""

    def __init__(self, table: str, *, region: str | None = None, endpoint: str | None = None,
                 timeout: float = 0.1, ttl: float = 86400.0, create: bool = False) -> None:
        super().__init__()
        self.table, self.region, self.endpoint = table, region, endpoint
        self.timeout, self.ttl, self.create = timeout, ttl, create
        self.url = f"dynamodb://{table}"
        self._pool: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._pending = 0
        self._pending_lock = threading.Lock()
        self._created = not create
        self._create_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, ttl: float = 86400.0) -> DynamoDBCache:
        parts = urlsplit(url)
        if parts.scheme != "dynamodb" or not parts.netloc or parts.path not in ("", "/"):
            raise ValueError(f"bad shared store URL {url!r}: use dynamodb://TABLE[?region=R&endpoint=URL&timeout=S]")
        query = dict(parse_qsl(parts.query))
        unknown = set(query) - {"region", "endpoint", "timeout", "create"}
        if unknown:
            raise ValueError(f"bad shared store URL {url!r}: unknown parameter(s) {', '.join(sorted(unknown))}")
        return cls(parts.netloc, region=query.get("region"), endpoint=query.get("endpoint"),
                   timeout=float(query.get("timeout", 0.1)), ttl=ttl, create=query.get("create") in ("1", "true"))

    # -- reads and writes ------------------------------------------------------------------------

    async def get(self, kind: str, key: str) -> str | None:
        """The stored value, or None: missing, stale, unreadable, or the store slow or down."""
        if self.skipping():
            return None
        loop = asyncio.get_running_loop()
        try:
            item = await asyncio.wait_for(loop.run_in_executor(self._executor(), self._get_item, f"{kind}#{key}"),
                                          self.timeout)
        except Exception as exc:  # TimeoutError, AwsUnavailable, ClientError...: a miss, never an error
            self._failed(exc)
            return None
        value = _value(item)
        if value is None:
            if item is not None:
                self.ignored += 1
                logger.debug("shared cache: ignoring an unreadable or stale item %s#%s", kind, key)
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, kind: str, key: str, value: str) -> None:
        """Written in the background (overwriting whatever is there); dropped when the store is down or slow."""
        with self._pending_lock:
            if self.skipping() or self._pending >= MAX_PENDING_WRITES:
                return
            self._pending += 1
        future = self._executor().submit(self._put_item, f"{kind}#{key}", value)
        future.add_done_callback(self._written)

    def _written(self, future: Any) -> None:
        with self._pending_lock:
            self._pending -= 1
        if future.cancelled():
            return
        error = future.exception()
        if error is not None:
            self._failed(error)
        else:
            self.writes += 1

    async def aclose(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    # -- in the pool's threads ---------------------------------------------------------------------

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="bff-shared-cache")
        return self._pool

    def _client(self) -> Any:
        client = getattr(self._local, "client", None)
        if client is None:
            from discovery import dynamodb_client

            # The socket timeout bounds a thread's wait; the caller stops waiting after self.timeout.
            # Credentials not in the environment (an ECS task role, a profile): botocore finds them.
            client = self._local.client = dynamodb_client(self.region, self.endpoint, max(self.timeout * 10, 1.0))
        if not self._created:
            self._create_table(client)
        return client

    def _get_item(self, pk: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._client().get_item(TableName=self.table, Key={"pk": {"S": pk}}).get("Item")
        return item

    def _put_item(self, pk: str, value: str) -> None:
        expires = int(time.time() + self.ttl)
        self._client().put_item(TableName=self.table, Item={
            "pk": {"S": pk}, "v": {"N": str(FORMAT_VERSION)}, "doc": {"S": value}, "exp": {"N": str(expires)}})

    def _create_table(self, client: Any) -> None:
        with self._create_lock:
            if self._created:
                return
            table = {"TableName": self.table, "BillingMode": "PAY_PER_REQUEST",
                     "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                     "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}
            ttl = {"TableName": self.table, "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "exp"}}
            try:
                if hasattr(client, "_call"):  # the lean client
                    client._call("CreateTable", table)
                    client._call("UpdateTimeToLive", ttl)
                else:
                    client.create_table(**table)
                    client.update_time_to_live(**ttl)
            except Exception as exc:
                if "ResourceInUse" not in str(exc):
                    raise
            self._created = True


def _value(item: dict[str, Any] | None) -> str | None:
    """The item's value when it is of this format and not stale; None otherwise."""
    try:
        if item is None or int(item["v"]["N"]) != FORMAT_VERSION or float(item["exp"]["N"]) <= time.time():
            return None
        value = item["doc"]["S"]
        return value if isinstance(value, str) else None
    except (KeyError, TypeError, ValueError):
        return None
