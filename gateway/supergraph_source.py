"""A gateway whose supergraph comes from the registry and follows its new versions.

`GatewaySwitch` has the Gateway's interface (execute, explain, aclose) and holds
the current Gateway. A newer supergraph version builds a new Gateway (in a
thread: the event loop keeps serving) and swaps it in with one assignment;
requests already running finish on the old one, whose connections are closed
once they drain. Plans cached by the old Gateway go with it.

Loading is cheap: one read of the stored composed supergraph at start (never a
recomposition), then at most one small version read every `poll_interval`
seconds, started by an arriving request (Lambda-friendly: no thread needed) or
by `run_poller()` under a long-running server. If the registry cannot be
reached the last good graph keeps serving; a cold start with the registry down
uses the bundled `fallback_path` when one is configured.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .request import GraphQLRequest, GraphQLResponse

if TYPE_CHECKING:
    from bff_common.registry import StoredSupergraph

    from .gateway import Gateway

logger = logging.getLogger("bff.supergraph")

RELOAD_PATH = "/admin/reload"


class SupergraphReader(Protocol):
    """What the switch needs from a registry (a `bff_common.registry.RegistryReader`, as
    `discovery.open_registry` gives, has it)."""

    def version(self) -> int: ...

    def supergraph(self) -> StoredSupergraph: ...


class SupergraphUnavailable(RuntimeError):
    """No supergraph at a cold start: the registry failed or is empty, and no usable fallback."""


class _Active:
    """One built Gateway with its version and the number of requests running on it."""

    __slots__ = ("gateway", "version", "inflight", "retired")

    def __init__(self, gateway: Gateway, version: int) -> None:
        self.gateway, self.version, self.inflight, self.retired = gateway, version, 0, False


class GatewaySwitch:
    """Serves through the current Gateway and swaps to newer supergraph versions without failing requests."""

    def __init__(self, source: SupergraphReader, build: Callable[[str], Any], gateway: Any, version: int, *,
                 poll_interval: float = 10.0, clock: Callable[[], float] = time.monotonic,
                 origin: str = "registry") -> None:
        self.source = source
        # "registry", or "fallback" while the bundled file serves because the registry failed at the cold start
        self.origin = origin
        self._build = build
        self._active = _Active(gateway, version)
        self.poll_interval = poll_interval
        self._clock = clock
        self._next_check = clock() + poll_interval
        self._refreshing: asyncio.Task[Any] | None = None
        self._closing: set[asyncio.Task[Any]] = set()
        self.last_error: str | None = None

    @classmethod
    async def start(cls, source: SupergraphReader, build: Callable[[str], Any], *, fallback_path: str | None = None,
                    poll_interval: float = 10.0, fallback_services: str | None = None) -> GatewaySwitch:
        """Cold start: one read of the stored supergraph; the fallback file when the registry fails or is empty.
        A fallback that is not there is an error now, not on the day the registry is down. `fallback_services`:
        the fallback's services (name, endpoint, api_key_ref; deploy/build.py writes it beside the fallback),
        whose API-key references are resolved while the fallback serves, as the registry's would be."""
        for path, what in ((fallback_path, "supergraph"), (fallback_services, "services file")):
            if path is not None and not Path(path).is_file():
                raise SupergraphUnavailable(f"the fallback {what} {path!r} does not exist")
        from .graph_log import FALLBACK, REGISTRY, graph_loaded

        origin, failure = REGISTRY, None
        try:
            stored = await asyncio.to_thread(source.supergraph)
            if stored.sdl is None:
                raise SupergraphUnavailable("the registry has no supergraph yet (nothing is published)")
            sdl, version, contracts = stored.sdl, stored.version, getattr(stored, "contracts", None)
        except Exception as exc:
            origin, failure = FALLBACK, f"{type(exc).__name__}: {exc}"
            if fallback_path is None:
                raise SupergraphUnavailable(f"cannot load the supergraph from the registry: {exc}") from None
            try:
                sdl, version, contracts = Path(fallback_path).read_text(encoding="utf-8"), 0, None
            except OSError as read_error:
                raise SupergraphUnavailable(f"cannot load the supergraph from the registry ({exc}) nor read the "
                                            f"fallback {fallback_path!r} ({read_error.strerror})") from None
            refs = fallback_key_refs(fallback_services)
            logger.warning("registry unavailable at cold start (%s); serving the fallback %s%s", exc, fallback_path,
                           _with_refs(refs, fallback_services))
        if not failure:
            refs = await asyncio.to_thread(published_key_refs, source)
        try:
            gateway = await asyncio.to_thread(_build, build, sdl, contracts, refs)
        except Exception as exc:
            if failure or fallback_path is None:
                raise
            # The registry's graph does not build here (a setting it cannot serve): the bundled file serves.
            refs = fallback_key_refs(fallback_services)
            logger.warning("the registry's supergraph version %s does not build (%s); serving the fallback %s%s",
                           version, exc, fallback_path, _with_refs(refs, fallback_services))
            origin, failure = FALLBACK, f"{type(exc).__name__}: {exc}"
            sdl, version = Path(fallback_path).read_text(encoding="utf-8"), 0
            gateway = await asyncio.to_thread(_build, build, sdl, None, refs)
        graph_loaded(gateway, version=version, source=f"{origin} {fallback_path}" if failure else origin)
        switch = cls(source, build, gateway, version, poll_interval=poll_interval, origin=origin)
        switch.last_error = failure
        return switch

    # -- the Gateway interface ----------------------------------------------------

    @property
    def version(self) -> int:
        """The version being served (0 for the fallback file)."""
        return self._active.version

    @property
    def gateway(self) -> Any:
        return self._active.gateway

    @property
    def contract_paths(self) -> frozenset[str]:
        return getattr(self._active.gateway, "contract_paths", frozenset())

    @property
    def contracts(self) -> Any:
        return getattr(self._active.gateway, "contracts", None)

    def schema_of(self, contract: str | None) -> Any:
        return self._active.gateway.schema_of(contract)

    @property
    def api_schema(self) -> Any:
        return self._active.gateway.api_schema

    async def execute(self, request: GraphQLRequest) -> GraphQLResponse:
        if self._clock() >= self._next_check and self._refreshing is None:
            self._next_check = self._clock() + self.poll_interval
            self._refreshing = asyncio.ensure_future(self._refresh_quietly())
        active = self._active
        active.inflight += 1
        try:
            return await active.gateway.execute(request)
        finally:
            active.inflight -= 1
            if active.retired and active.inflight == 0:
                self._close_later(active)

    async def subscribe(self, request: GraphQLRequest) -> Any:
        """A subscription stays on the version it started on: that gateway counts it in flight until the
        stream is closed, so a swap does not close its subgraph connections under it."""
        return await self._held(self._active, self._active.gateway.subscribe, request)

    async def execute_incremental(self, request: GraphQLRequest) -> Any:
        """A @defer query's payloads, held on the version they started on until the stream is closed."""
        return await self._held(self._active, self._active.gateway.execute_incremental, request)

    async def _held(self, active: _Active, call: Callable[[GraphQLRequest], Awaitable[Any]],
                    request: GraphQLRequest) -> Any:
        """`call(request)` counted in flight on `active`: a response at once, a stream until it is closed."""
        active.inflight += 1
        try:
            result = await call(request)
        except BaseException:
            self._release(active)
            raise
        if isinstance(result, GraphQLResponse):
            self._release(active)
            return result
        return _HeldStream(result, lambda: self._release(active))

    def _release(self, active: _Active) -> None:
        active.inflight -= 1
        if active.retired and active.inflight == 0:
            self._close_later(active)

    def explain(self, query: str, operation_name: str | None = None, variables: dict[Any, Any] | None = None) -> str:
        return self._active.gateway.explain(query, operation_name, variables)

    async def aclose(self) -> None:
        if self._refreshing is not None:
            self._refreshing.cancel()
        for task in list(self._closing):
            await asyncio.gather(task, return_exceptions=True)
        await self._active.gateway.aclose()

    # -- refresh ------------------------------------------------------------------

    async def refresh(self) -> bool:
        """Check the registry now; swap to a newer version. True when swapped. Raises when the registry fails
        (and `last_error` says why until a check succeeds: /health reports it)."""
        try:
            swapped = await self._refresh()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"
            raise
        self.last_error = None
        return swapped

    async def _refresh(self) -> bool:
        version = await asyncio.to_thread(self.source.version)
        if version <= self._active.version:
            return False
        stored = await asyncio.to_thread(self.source.supergraph)
        if stored.version <= self._active.version:
            return False  # an eventually consistent read lagging behind; the next check catches up
        if stored.sdl is None:
            logger.warning("registry version %s has no services; keeping version %s", stored.version, self._active.version)
            return False
        refs = await asyncio.to_thread(published_key_refs, self.source)
        gateway = await asyncio.to_thread(_build, self._build, stored.sdl, getattr(stored, "contracts", None), refs)
        if stored.version <= self._active.version:  # a concurrent refresh won
            self._close_later(_Active(gateway, stored.version))
            return False
        from .graph_log import REGISTRY, graph_loaded

        old, self._active = self._active, _Active(gateway, stored.version)
        previous = "the fallback file" if self.origin != REGISTRY else old.version
        self.origin = REGISTRY
        old.retired = True
        if old.inflight == 0:
            self._close_later(old)
        graph_loaded(gateway, version=stored.version, source=REGISTRY, previous=previous)
        return True

    async def _refresh_quietly(self) -> None:
        """A background check: a registry that stops answering is logged once (WARNING), and again when it
        answers (INFO); the checks failing in between only at DEBUG."""
        failing = self.last_error is not None
        try:
            await self.refresh()
            if failing:
                logger.info("the registry answers again; serving version %s", self._active.version)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # registry down or a bad graph: keep serving the last good one
            logger.log(logging.DEBUG if failing else logging.WARNING,
                       "supergraph check failed; still serving version %s: %s", self._active.version, exc)
        finally:
            self._refreshing = None

    async def run_poller(self) -> None:
        """Background polling for long-running servers (uvicorn); cancel it to stop."""
        while True:
            await asyncio.sleep(self.poll_interval)
            if self._refreshing is None:
                self._next_check = self._clock() + self.poll_interval
                self._refreshing = asyncio.ensure_future(self._refresh_quietly())
                await asyncio.shield(self._refreshing)

    def _close_later(self, active: _Active) -> None:
        task = asyncio.ensure_future(active.gateway.aclose())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)


class _HeldStream:
    """A subscription's event stream that releases its gateway version once closed."""

    def __init__(self, stream: Any, release: Callable[[], None]) -> None:
        self._stream, self._release = stream, release

    def __aiter__(self) -> Any:
        return self._stream.__aiter__()

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            release, self._release = self._release, lambda: None
            release()


# -- ASGI wrapper: POST /admin/reload and the background poller -------------------------

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]


def with_registry(app: ASGIApp, switch: GatewaySwitch, *, reload_token: str | None = None,
                  background_poll: bool = False) -> ASGIApp:
    """Wrap the gateway's ASGI app: `POST /admin/reload` (Bearer reload_token; absent when no token)
    forces a registry check; with background_poll, a poller task runs between lifespan startup and shutdown."""
    import orjson

    poller: list[asyncio.Task[Any]] = []

    async def reply(send: Any, status: int, body: dict[str, Any]) -> None:
        payload = orjson.dumps(body)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})

    async def wrapped(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan" and background_poll:
            async def watch() -> Any:
                message = await receive()
                if message["type"] == "lifespan.startup" and not poller:
                    poller.append(asyncio.ensure_future(switch.run_poller()))
                elif message["type"] == "lifespan.shutdown":
                    for task in poller:
                        task.cancel()
                return message
            return await app(scope, watch, send)
        if scope["type"] == "http" and scope["path"] == RELOAD_PATH and reload_token is not None:
            if scope["method"] != "POST":
                return await reply(send, 405, {"errors": [{"message": "use POST", "extensions": {"code": "METHOD_NOT_ALLOWED"}}]})
            given = ""
            for name, value in scope.get("headers", ()):
                if name.lower() == b"authorization" and value[:7].lower() == b"bearer ":
                    given = value[7:].decode("latin-1").strip()
            if not hmac.compare_digest(given.encode(), reload_token.encode()):
                return await reply(send, 401, {"errors": [{"message": "a valid reload token is required",
                                                           "extensions": {"code": "UNAUTHORIZED"}}]})
            try:
                changed = await switch.refresh()
            except Exception as exc:
                return await reply(send, 503, {"version": switch.version, "changed": False,
                                               "errors": [{"message": f"registry unavailable: {exc}",
                                                           "extensions": {"code": "REGISTRY_UNAVAILABLE"}}]})
            return await reply(send, 200, {"version": switch.version, "changed": changed})
        return await app(scope, receive, send)

    return wrapped


# -- wiring for `bff serve --registry` and Lambda -------------------------------------------

def gateway_builder(config: Any) -> Callable[..., Any]:
    """build(supergraph_sdl[, contracts][, key_refs=...]) -> Gateway with `config`: what the switch calls for
    each new version (`contracts`: the definitions stored with that version, docs/contracts.md; `key_refs`:
    the API-key references the services published). Lenient: a registry graph lacking a subgraph that the
    configuration names still serves the rest."""
    from .gateway import Gateway

    def build(sdl: str, contracts: str | None = None, *, key_refs: dict[str, str] | None = None) -> Any:
        return Gateway(sdl, config, contracts=contracts, key_refs=key_refs, lenient=True)

    build.takes_key_refs = True  # type: ignore[attr-defined]
    return build


def _build(build: Callable[..., Any], sdl: str, contracts: str | None, key_refs: dict[str, str] | None = None) -> Any:
    """A version with contract definitions passes them; builders written for SDL alone still work."""
    if key_refs and getattr(build, "takes_key_refs", False):
        return build(sdl, contracts, key_refs=key_refs)
    return build(sdl, contracts) if contracts else build(sdl)


def published_key_refs(source: Any) -> dict[str, str]:
    """Subgraph name -> the API-key reference its service published (the registry's entries), so a new
    service's key needs no gateway setting. A registry that cannot list its services costs the keys
    (one WARNING), never the graph."""
    services = getattr(source, "services", None)
    if services is None:
        return {}
    try:
        return {s.name: s.api_key_ref for s in services() if getattr(s, "api_key_ref", None)}
    except Exception as exc:  # noqa: BLE001 - the graph is served without published keys
        logger.warning("cannot read the services' API-key references from the registry: %s", exc)
        return {}


def fallback_key_refs(path: str | None) -> dict[str, str]:
    """Subgraph name -> API-key reference from the fallback's services file (`[{"name", "endpoint",
    "api_key_ref"}]`, the registry entries' shape). An unreadable file costs the keys (one WARNING), never
    the fallback graph."""
    if path is None:
        return {}
    import json

    try:
        entries = json.loads(Path(path).read_text(encoding="utf-8"))
        return {str(e["name"]): str(e["api_key_ref"]) for e in entries if e.get("api_key_ref")}
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        logger.warning("cannot read the fallback's services file %s (%s: %s); its services are called without "
                       "keys", path, type(exc).__name__, exc)
        return {}


def _with_refs(refs: dict[str, str], path: str | None) -> str:
    if not refs:
        return " (no API-key references for it)"
    return f" with the API-key references of {len(refs)} services from {path}"


def open_switch(registry_url: str, config: Any, *, poll_interval: float = 10.0,
                fallback_path: str | None = None, fallback_services: str | None = None) -> GatewaySwitch:
    """A started GatewaySwitch over the registry at `registry_url` (store URL or registry API URL).

    Synchronous, for the CLI before the server's loop exists. SupergraphUnavailable or
    ValueError (bad URL) when there is nothing to serve.
    """
    from discovery import open_registry

    source = open_registry(registry_url)
    return asyncio.run(GatewaySwitch.start(source, gateway_builder(config), fallback_path=fallback_path,
                                           poll_interval=poll_interval, fallback_services=fallback_services))
