"""Fetch and cache an identity provider's JWKS, so verification costs no network round trip.

Policy:
  * the key set is fetched on first use and again once it is older than `ttl`;
  * a token whose `kid` is not in the cached set triggers one fetch (key rotation
    works without a restart), but fetches of any cause happen at most once per
    `min_refresh_interval`: a flood of tokens with made-up kids costs the IdP at
    most one request per window, and is refused from the cache meanwhile;
  * a failed fetch keeps the keys we have (an IdP outage does not log everybody
    out); with no keys at all the token is refused as `jwks_unavailable`.

Two paths, same cache: `get` is synchronous and fetches inline with urllib (the
authorizer Lambda, one event at a time); `aget` is for the gateway's event loop
and runs the same urllib fetch in a worker thread, concurrent callers awaiting
one shared fetch, and requests whose key is cached never wait for it (a slow
IdP delays only the tokens that need its answer). (The project's asyncio client in execute/http11.py only POSTs
JSON; a fetch every few minutes does not need it.)
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Callable

from .errors import ALG_KEY_MISMATCH, JWKS_UNAVAILABLE, MISSING_KID, UNKNOWN_KID, AuthError
from .jwk import PublicJwk, load_jwk

if TYPE_CHECKING:  # asyncio is imported by the async path only: the authorizer Lambda never loads it
    import asyncio

logger = logging.getLogger("bff.auth")

MAX_JWKS_BYTES = 512 * 1024

Fetch = Callable[[str, float], Any]


def fetch_json(url: str, timeout: float) -> Any:
    """GET `url` and decode its JSON body (synchronous, urllib)."""
    from urllib.request import Request, urlopen

    request = Request(url, headers={"accept": "application/json", "user-agent": "bff-gateway"})
    with urlopen(request, timeout=timeout) as response:  # noqa: S310 - https or loopback, checked in AuthConfig
        body = response.read(MAX_JWKS_BYTES + 1)
    if len(body) > MAX_JWKS_BYTES:
        raise ValueError(f"JWKS larger than {MAX_JWKS_BYTES} bytes")
    return json.loads(body)


def parse_jwks(document: Any) -> dict[str | None, PublicJwk]:
    """The usable signing keys of a JWKS document, by kid."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError('a JWKS is a JSON object with a "keys" array')
    keys: dict[str | None, PublicJwk] = {}
    for jwk in document["keys"]:
        if isinstance(jwk, dict):
            key = load_jwk(jwk)
            if key is not None:
                keys[key.kid] = key
    return keys


class JwksCache:
    def __init__(
        self,
        url: str,
        *,
        ttl: float = 600.0,
        min_refresh_interval: float = 30.0,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        fetch: Fetch = fetch_json,
    ) -> None:
        self.url = url
        self.ttl = ttl
        self.min_refresh_interval = min_refresh_interval
        self.timeout = timeout
        self._clock = clock
        self._fetch = fetch
        self._keys: dict[str | None, PublicJwk] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = threading.Lock()
        self._task: asyncio.Future[None] | None = None
        self.fetches = 0  # attempts, successful or not (for tests and metrics)
        self.last_error: str | None = None  # why the last fetch failed; None after a success (for /health)

    # -- the two entry points ------------------------------------------------------

    def get(self, kid: str | None, alg: str) -> PublicJwk:
        """The key for a token header's kid and alg, fetching inline if needed (blocks)."""
        key = self._resolve(kid, alg, may_fetch=True)
        if key is None:
            with self._lock:
                if self._fetch_allowed(self._clock()):
                    self._store(self._fetch_now())
            key = self._resolve(kid, alg, may_fetch=False)
        return key  # type: ignore[return-value]  # _resolve raises rather than return None without may_fetch

    async def aget(self, kid: str | None, alg: str) -> PublicJwk:
        """As `get`, for an event loop: the fetch runs in a worker thread, shared by concurrent callers.

        A request whose key is cached never waits for a fetch: a stale key set is refreshed in the
        background while it keeps serving, and only a request that needs the fetch (no keys yet, or
        its kid unknown) awaits it."""
        import asyncio

        loop = asyncio.get_running_loop()
        now = self._clock()
        if self._fetched_at is not None:
            key = self._lookup(kid, alg)
            if key is not None:
                if now - self._fetched_at >= self.ttl and not self._in_flight(loop) and self._fetch_allowed(now):
                    self._task = loop.create_task(self._afetch())  # refresh; this request goes on meanwhile
                return key
        if not self._in_flight(loop) and self._fetch_allowed(now):
            self._task = loop.create_task(self._afetch())
        if self._in_flight(loop):
            await asyncio.shield(self._task)  # type: ignore[arg-type]
        return self._resolve(kid, alg, may_fetch=False)  # type: ignore[return-value]

    async def check(self) -> str | None:
        """For /health: None when the last fetch succeeded, else why it failed. Fetches (within the
        refresh rate limit) when nothing was fetched yet or the last fetch failed, so an unreachable
        IdP shows before the first token needs it and a recovered one clears."""
        import asyncio

        loop = asyncio.get_running_loop()
        if (self._fetched_at is None or self.last_error is not None) and not self._in_flight(loop) \
                and self._fetch_allowed(self._clock()):
            self._task = loop.create_task(self._afetch())
        if self._in_flight(loop):
            await asyncio.shield(self._task)  # type: ignore[arg-type]
        return self.last_error

    def _in_flight(self, loop: asyncio.AbstractEventLoop) -> bool:
        """A fetch started on this event loop is still running."""
        return self._task is not None and not self._task.done() and self._task.get_loop() is loop

    # -- policy ------------------------------------------------------------------------

    def _fetch_allowed(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= self.min_refresh_interval

    def _resolve(self, kid: str | None, alg: str, *, may_fetch: bool) -> PublicJwk | None:
        """The key; None when a fetch should happen first; AuthError when the token is refused."""
        now = self._clock()
        stale = self._fetched_at is None or now - self._fetched_at >= self.ttl
        if stale and may_fetch and self._fetch_allowed(now):
            return None
        if self._fetched_at is None:
            raise AuthError(JWKS_UNAVAILABLE, "The identity provider's signing keys are unavailable; try again later.")
        key = self._lookup(kid, alg)
        if key is not None:
            return key
        if may_fetch and self._fetch_allowed(now):
            return None
        raise AuthError(UNKNOWN_KID, "The token is signed with an unknown key.")

    def _lookup(self, kid: str | None, alg: str) -> PublicJwk | None:
        if kid is None:
            candidates = [k for k in self._keys.values() if k.alg == alg]
            if len(candidates) != 1:
                raise AuthError(MISSING_KID, 'The token header has no "kid" and the key set has several keys.')
            return candidates[0]
        key = self._keys.get(kid)
        if key is not None and key.alg != alg:
            raise AuthError(ALG_KEY_MISMATCH, f"The token's alg {alg} does not match its key's ({key.alg}).")
        return key

    # -- fetching ----------------------------------------------------------------------

    def _fetch_now(self) -> dict[str | None, PublicJwk] | None:
        """One fetch attempt; None (logged) on failure."""
        self._attempted_at = self._clock()
        self.fetches += 1
        try:
            keys = parse_jwks(self._fetch(self.url, self.timeout))
        except Exception as exc:  # network, HTTP status, JSON, key material: all mean "no new keys"
            logger.warning("bff.auth: fetching the JWKS from %s failed: %s: %s", self.url, type(exc).__name__, exc)
            self.last_error = f"fetching the JWKS from {self.url} failed: {type(exc).__name__}: {exc}"
            return None
        self.last_error = None
        return keys

    async def _afetch(self) -> None:
        import asyncio

        self._attempted_at = self._clock()  # before the await: concurrent callers see the fetch as taken
        self._store(await asyncio.to_thread(self._fetch_now))

    def _store(self, keys: dict[str | None, PublicJwk] | None) -> None:
        if keys is not None:
            self._keys = keys
            self._fetched_at = self._clock()
