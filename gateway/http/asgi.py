"""The ASGI app: routes, body limits, negotiation and lifespan around `Gateway.execute`.

Raw ASGI on purpose: no framework to import on a Lambda cold start. Routes:

    POST /graphql   JSON body {query, operationName, variables, extensions}
    GET  /graphql   the same as URL parameters (variables/extensions JSON-encoded)
    GET  /health    200 when the gateway can serve ("ok", or "degraded" with reasons), 503 otherwise
    GET  /ready     503 until a supergraph is loaded, then 200 (health.py)
    OPTIONS /graphql  CORS preflight (cors.py)
    GET  /graphql with Accept text/html, and GET /ide/*: GraphiQL, when `config.ide` is on (ide.py)
    GET/POST /graphql with Accept text/event-stream: GraphQL over SSE (realtime/sse.py)
    WebSocket /graphql  GraphQL over WebSocket, graphql-transport-ws (realtime/ws.py)

CSRF: GETs that carry cookies or a foreign Origin need a preflight-forcing header (cors.py).
Batching: a JSON array body when `config.max_batch_size` > 0, answered as an array.

Every error, including 404/405/406/413/415, is answered in GraphQL's error format.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable, MutableMapping, Protocol

import orjson

from ..auth.authenticate import Authenticator, www_authenticate
from ..auth.errors import AuthError
from ..config import GatewayConfig
from ..request import GraphQLResponse
from .cors import CorsPolicy, csrf_refused, is_preflight
from .graphql_over_http import HttpError, error_body, request_from_body, request_from_query_string, status_for
from .negotiation import JSON, SUPPORTED, negotiate, request_content_type_problem

if TYPE_CHECKING:
    from bff_common.principal import Principal

    from .served import ServedGateway

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class ASGIApp(Protocol):
    """An ASGI 3 app, with the parameter names mangum's `ASGI` protocol asks for."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...


GatewayFactory = Callable[[], Awaitable["ServedGateway"]]

logger = logging.getLogger("bff.http")

GRAPHQL_PATH = "/graphql"
HEALTH_PATH = "/health"
READY_PATH = "/ready"
METRICS_PATH = "/metrics"
IDE_ASSETS = "/ide/"
CONTRACT_PREFIX = GRAPHQL_PATH + "/"  # contracts' own paths: /graphql/NAME (docs/contracts.md)


def create_app(gateway: "ServedGateway | GatewayFactory", config: GatewayConfig, auth: Authenticator | None = None) -> ASGIApp:
    """The ASGI app serving `gateway`.

    Pass a built Gateway, or an async factory: the factory runs at lifespan
    startup, or on the first request when the server has no lifespan (Lambda).
    A factory that fails is retried on the next request, and /health says 503 meanwhile.
    `auth` decides who is calling (gateway.auth); by default it is read from the
    BFF_JWT_* environment, and with none set every request is anonymous.
    """
    return _App(gateway, config, auth)


class _ClientDisconnected(Exception):
    pass


class _App:
    def __init__(self, gateway: "ServedGateway | GatewayFactory", config: GatewayConfig, auth: Authenticator | None = None) -> None:
        self.config = config
        self._auth = auth if auth is not None else Authenticator.from_env()
        if hasattr(gateway, "execute"):
            self._gateway: ServedGateway | None = gateway  # type: ignore[assignment]
            self._factory: GatewayFactory | None = None
        else:
            self._gateway = None
            self._factory = gateway
        self._lock: asyncio.Lock | None = None
        self._closed = False
        # GraphiQL needs introspection: without it the page is served only when explicitly told.
        self._ide_on = config.ide and (config.introspection or config.ide_without_introspection)
        if config.ide and not self._ide_on:
            logger.warning("The IDE is on but introspection is off: the IDE is not served "
                           "(set ide_without_introspection to serve it anyway).")
        self._ide_html: bytes | None = None
        self._metrics_token: bytes | None = None
        if config.metrics_token:
            from bff_common.secrets import SecretResolver

            self._metrics_token = SecretResolver().resolve(config.metrics_token).encode()
        self._cors = CorsPolicy(tuple(config.cors_origins), config.cors_allow_credentials,
                                tuple(config.cors_allow_headers), config.cors_max_age)
        self._hub: Any = None  # realtime.hub.Hub: live WebSocket connections and SSE streams, made on first use

    @property
    def hub(self) -> Any:
        if self._hub is None:
            from ..realtime.hub import Hub

            self._hub = Hub(self.config.subscription_max_connections)
        return self._hub

    async def close_streams(self) -> None:
        """End every WebSocket connection and SSE stream (server shutdown), their subgraph streams with them."""
        if self._hub is not None:
            await self._hub.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":
            await self._websocket(scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """GraphQL over WebSocket at /graphql (realtime/ws.py); other paths refuse the handshake."""
        path = scope["path"]
        root_path = scope.get("root_path", "")
        if root_path and path.startswith(root_path):
            path = path[len(root_path):]
        headers = _request_headers(scope)
        if path != GRAPHQL_PATH or self._closed or self._cross_site_websocket(scope, headers):
            await send({"type": "websocket.close", "code": 1001 if self._closed else 1008})  # before accept: HTTP 403
            return
        from ..realtime.ws import WsConnection

        connection = WsConnection(scope, receive, send, hub=self.hub, config=self.config, auth=self._auth,
                                  gateway=self._ready_gateway, headers=headers)
        try:
            await connection.run()
        except Exception:
            logger.exception("Unhandled error in a WebSocket connection")

    def _cross_site_websocket(self, scope: Scope, headers: dict[str, str]) -> bool:
        """A browser handshake from a foreign Origin (not ours, not an allowed CORS origin) carrying cookies: refused,
        as cookies are the one credential a page can lend another site's WebSocket (cross-site WebSocket hijacking)."""
        origin = headers.get("origin")
        if origin is None or "cookie" not in headers:
            return False
        scheme = "https" if scope.get("scheme") == "wss" else "http"
        return origin != f"{scheme}://{headers.get('host', '')}" and not self._cors.allows(origin)

    # -- lifespan ---------------------------------------------------------------

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self._gateway is None and self._factory is not None:
                    try:
                        self._gateway = await self._factory()
                    except Exception as exc:
                        _build_failed(exc)
                        await send({"type": "lifespan.startup.failed", "message": f"{type(exc).__name__}: {exc}"})
                        return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._closed = True
                await self.close_streams()
                if self._gateway is not None:
                    try:
                        await self._gateway.aclose()
                    except Exception as exc:
                        logger.exception("Closing the gateway failed")
                        await send({"type": "lifespan.shutdown.failed", "message": f"{type(exc).__name__}: {exc}"})
                        return
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _ready_gateway(self) -> "ServedGateway | None":
        """The gateway, built now if a factory has not run (or failed) yet; None when unavailable."""
        if self._closed:
            return None
        if self._gateway is not None or self._factory is None:
            return self._gateway
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._gateway is None:
                try:
                    self._gateway = await self._factory()
                except Exception as exc:
                    _build_failed(exc)
        return self._gateway

    # -- http -------------------------------------------------------------------

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        root_path = scope.get("root_path", "")
        if root_path and path.startswith(root_path):
            path = path[len(root_path):]
        method = scope["method"]
        try:
            if path == GRAPHQL_PATH or (path.startswith(CONTRACT_PREFIX) and await self._is_contract_path(path)):
                if is_preflight(method, _request_headers(scope)):
                    await self._preflight(scope, send)
                    return
                if method not in ("GET", "POST"):
                    raise HttpError(405, f"Method {method} is not allowed on {GRAPHQL_PATH}; use GET or POST.",
                                    code="METHOD_NOT_ALLOWED", headers={"allow": "GET, POST"})
                await self._graphql(scope, receive, send, path)
            elif path == HEALTH_PATH or path == READY_PATH:
                if method != "GET":
                    raise HttpError(405, f"Method {method} is not allowed on {path}; use GET.",
                                    code="METHOD_NOT_ALLOWED", headers={"allow": "GET"})
                await self._health(send, ready=path == READY_PATH)
            elif path == "/favicon.ico" and self._ide_on:
                await _send_raw(send, 204, b"", {})  # browsers ask for it on every page
            elif path.startswith(IDE_ASSETS) and self._ide_on and method == "GET":
                await self._ide_asset(path[len(IDE_ASSETS):], _request_headers(scope), send)
            elif path == METRICS_PATH and _prometheus_on(self.config):  # BFF_METRICS=prometheus / `bff serve --metrics`
                self._check_metrics_token(scope)
                await _send_text(send, _prometheus_text())
            else:
                raise HttpError(404, f"Not found: {path}. The GraphQL endpoint is {GRAPHQL_PATH}.", code="NOT_FOUND")
        except HttpError as exc:
            await _send_json(send, exc.status, error_body(exc.message, exc.code), JSON, exc.headers)
        except _ClientDisconnected:
            return
        except Exception:  # a bug here must not become a stack trace or a dead app
            logger.exception("Unhandled error in the HTTP layer")
            with contextlib.suppress(Exception):  # fails only if the response had started
                await _send_json(send, 500, error_body("Internal server error.", "INTERNAL_SERVER_ERROR"), JSON)

    async def _is_contract_path(self, path: str) -> bool:
        """Whether `path` serves a contract (docs/contracts.md) of the current gateway."""
        gateway = await self._ready_gateway()
        return gateway is not None and path.rstrip("/") in getattr(gateway, "contract_paths", ())

    async def _ide_page(self, send: Send, path: str = GRAPHQL_PATH) -> None:
        """GraphiQL (ide.py), opening with a query over this graph's first root field; at a contract's
        path, over that contract's schema (the page introspects the path it was served at)."""
        page_html = self._ide_html if path == GRAPHQL_PATH else None
        if page_html is None:
            from .ide import default_query, page

            gateway = await self._ready_gateway()
            if path == GRAPHQL_PATH:
                schema = gateway.api_schema if gateway is not None else None
                page_html = self._ide_html = page(self.config.ide_default_query or (
                    default_query(schema) if schema is not None else "{\n  __typename\n}\n"))
            else:  # a contract's page: its own schema; assets and endpoint relative to /graphql/NAME
                name = gateway.contracts.selector.by_path.get(path.rstrip("/")) if gateway is not None else None
                schema = gateway.schema_of(name) if name is not None else gateway.api_schema  # type: ignore
                page_html = page(default_query(schema), endpoint=path.rstrip("/").rsplit("/", 1)[-1], base="../")
        await _send_raw(send, 200, page_html, {"content-type": "text/html; charset=utf-8",
                                                "cache-control": "no-cache"})

    async def _ide_asset(self, name: str, headers: dict[str, str], send: Send) -> None:
        from .ide import asset

        found = asset(name, headers.get("accept-encoding"))
        if found is None:
            raise HttpError(404, f"Not found: {IDE_ASSETS}{name}.", code="NOT_FOUND")
        await _send_raw(send, 200, *found)

    def _check_metrics_token(self, scope: Scope) -> None:
        """401 unless the request carries `Authorization: Bearer <metrics_token>` (when one is set)."""
        if self._metrics_token is None:
            return
        import hmac

        given = _request_headers(scope).get("authorization", "")
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), self._metrics_token):
            raise HttpError(401, "GET /metrics needs the metrics bearer token.", code="UNAUTHENTICATED",
                            headers={"www-authenticate": 'Bearer realm="metrics"'})

    async def _health(self, send: Send, *, ready: bool) -> None:
        """/health and /ready (health.py): 503 while no supergraph is loaded; then /ready says so and
        /health says "ok" or "degraded" with reasons."""
        gateway = await self._ready_gateway()
        if gateway is None:
            body = error_body("The gateway is not ready: no supergraph is loaded yet.", "SERVICE_UNAVAILABLE")
            await _send_json(send, 503, {"status": "unavailable", **body}, JSON, {"cache-control": "no-store"})
            return
        from .health import health_body, ready_body

        answer = ready_body(gateway) if ready else await health_body(gateway, self._auth)
        await _send_json(send, 200, answer, JSON, {"cache-control": "no-store"})

    async def _preflight(self, scope: Scope, send: Send) -> None:
        headers = self._cors.preflight_headers(_request_headers(scope).get("origin"))
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": 204, "headers": raw})
        await send({"type": "http.response.body", "body": b""})

    async def _graphql(self, scope: Scope, receive: Receive, send: Send, path: str = GRAPHQL_PATH) -> None:
        headers = _request_headers(scope)
        cors = self._cors.response_headers(headers.get("origin"))
        if scope["method"] == "GET" and self._ide_on and _wants_html(headers.get("accept")):
            await self._ide_page(send, path)
            return
        if scope["method"] == "GET" and self.config.csrf_prevention and csrf_refused(
                headers, scope.get("scheme", "http"), self._cors, tuple(self.config.csrf_preflight_headers)):
            names = ", ".join(self.config.csrf_preflight_headers)
            raise HttpError(400, "This GET request may be a cross-site request forgery: it carries cookies or a "
                                 f"foreign Origin, so it must also carry one of these headers: {names} (or use POST "
                                 "with Content-Type application/json).", code="CSRF_PREVENTION", headers=cors)
        # Behind API Gateway (mangum puts the event in the scope) responses are buffered: no streams there.
        streaming = "aws.event" not in scope
        if streaming and _wants_event_stream(headers.get("accept")):
            await self._event_stream(scope, receive, send, headers, cors)
            return
        # @defer: multipart/mixed for clients that take it (realtime/defer.py); JSON stays their fallback.
        multipart = streaming and self.config.defer and _accepts_multipart(headers.get("accept"))
        media_type = negotiate(headers.get("accept")) or (JSON if multipart else None)
        if media_type is None:
            raise HttpError(406, f"None of the response media types {', '.join(SUPPORTED)} is acceptable "
                                 f"(Accept: {headers.get('accept')}).", code="NOT_ACCEPTABLE")
        try:
            principal = await self._principal(scope, headers)  # before the body: strangers get only a 401
            if scope["method"] == "POST":
                problem = request_content_type_problem(headers.get("content-type"))
                if problem is not None:
                    raise HttpError(415, problem, code="UNSUPPORTED_MEDIA_TYPE")
                body = await self._read_body(receive, headers)
                if self.config.max_batch_size > 0 and body.lstrip()[:1] == b"[":
                    await self._batch(body, headers, principal, media_type, send, cors, path,
                                      lambda_deadline(scope, self.config.deadline_margin))
                    return
                request = request_from_body(body, headers)
            else:
                request = request_from_query_string(scope.get("query_string", b""), headers)
                if request.query is not None and not (self.config.get_queries or self.config.trusted_documents_only):
                    raise HttpError(405, "Full-text queries are not allowed over GET here: use POST, or GET with a "
                                         "persisted query (extensions.persistedQuery.sha256Hash).",
                                    code="METHOD_NOT_ALLOWED", headers={"allow": "POST"})
            request.principal = principal
            request.path = path
            request.deadline = lambda_deadline(scope, self.config.deadline_margin)
            if streaming:  # under a server the client can leave; behind API Gateway nobody can tell
                request.disconnected = functools.partial(_until_disconnect, receive)
        except HttpError as exc:
            await _send_json(send, exc.status, error_body(exc.message, exc.code), media_type,
                             {"vary": "accept", **cors, **exc.headers})
            return

        gateway = await self._ready_gateway()
        if gateway is None:
            body_map = error_body("The gateway is not ready; try again shortly.", "SERVICE_UNAVAILABLE")
            await _send_json(send, 503, body_map, media_type, {"vary": "accept"})
            return
        try:
            if multipart and request.query and "@defer" in request.query:
                response = await gateway.execute_incremental(request)
                if not isinstance(response, GraphQLResponse):
                    await _send_multipart(send, response, {"vary": "accept", **cors})
                    return
            else:
                response = await gateway.execute(request)
        except Exception:
            logger.exception("Gateway.execute raised")
            await _send_json(send, 500, error_body("Internal server error.", "INTERNAL_SERVER_ERROR"), media_type)
            return

        status = status_for(response, media_type)
        extra = {"vary": "accept", **cors, **{k.lower(): v for k, v in response.headers.items()}}
        if "vary" in cors:
            extra["vary"] = "accept, origin"
        if status == 405 and "allow" not in extra:
            extra["allow"] = "POST"
        await _send_json(send, status, response.body, media_type, extra)

    async def _event_stream(self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str],
                            cors: dict[str, str]) -> None:
        """GraphQL over SSE (distinct connections): one operation, its results as events (realtime/sse.py).
        Problems with the HTTP request itself (credentials, body) are still answered as HTTP errors."""
        from ..realtime import sse

        principal = await self._principal(scope, headers)
        if scope["method"] == "POST":
            problem = request_content_type_problem(headers.get("content-type"))
            if problem is not None:
                raise HttpError(415, problem, code="UNSUPPORTED_MEDIA_TYPE")
            request = request_from_body(await self._read_body(receive, headers), headers)
        else:
            request = request_from_query_string(scope.get("query_string", b""), headers)
        request.principal = principal
        gateway = await self._ready_gateway()
        if gateway is None:
            raise HttpError(503, "The gateway is not ready; try again shortly.", code="SERVICE_UNAVAILABLE")
        if not await sse.serve(receive, send, request, hub=self.hub, config=self.config, gateway=gateway,
                               headers=cors):
            raise HttpError(503, "Too many open subscriptions on this server; try again later.",
                            code="TOO_MANY_CONNECTIONS", headers={"retry-after": "5"})

    async def _batch(self, body: bytes, headers: dict[str, str], principal: Any, media_type: str, send: Send,
                     cors: dict[str, str], path: str = GRAPHQL_PATH, deadline: float | None = None) -> None:
        """A JSON array of operations, each answered independently, in order, as one array (status 200)."""
        from .batch import merge_headers, parse_batch

        entries = parse_batch(body, headers, self.config.max_batch_size)
        gateway = await self._ready_gateway()
        if gateway is None:
            await _send_json(send, 503, error_body("The gateway is not ready; try again shortly.",
                                                   "SERVICE_UNAVAILABLE"), media_type, {"vary": "accept", **cors})
            return

        async def one(entry: Any) -> Any:
            if isinstance(entry, HttpError):
                return None, error_body(entry.message, entry.code)
            entry.principal = principal
            entry.path = path
            entry.deadline = deadline
            try:
                response = await gateway.execute(entry)
            except Exception:
                logger.exception("Gateway.execute raised")
                return None, error_body("Internal server error.", "INTERNAL_SERVER_ERROR")
            return response, response.body

        results = await asyncio.gather(*(one(e) for e in entries))
        extra = {"vary": "accept", **cors, **merge_headers([r for r, _ in results if r is not None])}
        await _send_json(send, 200, [b for _, b in results], media_type, extra)

    async def _principal(self, scope: Scope, headers: dict[str, str]) -> "Principal":
        """Who is calling: the API Gateway authorizer's principal on Lambda (mangum puts the event in
        scope["aws.event"]), else the verified Bearer token; 401 when missing (and required) or invalid."""
        try:
            return await self._auth.principal_for(headers, scope.get("aws.event"))
        except AuthError as exc:
            logger.debug("Credentials refused: %s", exc.reason)
            raise HttpError(401, exc.message, code="UNAUTHENTICATED",
                            headers={"www-authenticate": www_authenticate(exc)}) from None

    async def _read_body(self, receive: Receive, headers: dict[str, str]) -> bytes:
        """The whole request body, refused with 413 as soon as it passes the limit."""
        limit = self.config.max_body_bytes
        too_large = HttpError(413, f"Request body is larger than {limit} bytes.", code="PAYLOAD_TOO_LARGE")
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _ClientDisconnected()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


async def _until_disconnect(receive: Receive) -> None:
    """Returns when the client has gone (after the body, an ASGI server's receive() waits for that)."""
    while (await receive())["type"] != "http.disconnect":
        pass


def _wants_event_stream(accept: str | None) -> bool:
    """GraphQL over SSE (graphql-sse sends exactly `text/event-stream`); checked here, not imported per request."""
    return bool(accept) and "text/event-stream" in accept  # type: ignore[operator]


def _accepts_multipart(accept: str | None) -> bool:
    return bool(accept) and "multipart/mixed" in accept  # type: ignore[operator]


async def _send_multipart(send: Send, payloads: Any, headers: dict[str, str]) -> None:
    """The payloads of a deferred query as multipart/mixed (boundary "-", deferSpec=20220824), each part
    sent as soon as it is known."""
    from ..realtime.defer import MEDIA_TYPE

    raw = [(b"content-type", MEDIA_TYPE.encode()), (b"cache-control", b"no-cache")]
    raw += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": 200, "headers": raw})
    # Each part is followed at once by the next delimiter, so a parser can hand it over without waiting
    # for the next payload; the last delimiter is then closed ("-----").
    head = b"\r\ncontent-type: application/json; charset=utf-8\r\n\r\n"
    await send({"type": "http.response.body", "body": b"\r\n---", "more_body": True})
    try:
        async for payload in payloads:
            await send({"type": "http.response.body", "body": head + orjson.dumps(payload) + b"\r\n---",
                        "more_body": True})
    except Exception:  # the response has started: end it with an error part
        logger.exception("A deferred payload failed")
        part = orjson.dumps({**error_body("Internal server error.", "INTERNAL_SERVER_ERROR"), "hasNext": False})
        await send({"type": "http.response.body", "body": head + part + b"\r\n---", "more_body": True})
    finally:
        await payloads.aclose()
    await send({"type": "http.response.body", "body": b"--\r\n", "more_body": False})


def _build_failed(exc: Exception) -> None:
    """One ERROR line naming the problem: building fails on configuration mistakes (a missing file, a bad
    setting, a registry that cannot be read), whose traceback says nothing more; it is kept for DEBUG."""
    logger.error("Building the gateway failed: %s: %s", type(exc).__name__, exc,
                 exc_info=exc if logger.isEnabledFor(logging.DEBUG) else None)


def lambda_deadline(scope: Scope, margin: float) -> float | None:
    """On Lambda (mangum puts the context in scope["aws.context"]): the time.monotonic() at which the
    invocation ends, minus `margin`; None elsewhere."""
    context = scope.get("aws.context")
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    try:
        return time.monotonic() + max(0.0, float(remaining()) / 1000 - margin)
    except (TypeError, ValueError):
        return None


def _wants_html(accept: str | None) -> bool:
    return bool(accept) and "text/html" in accept  # type: ignore[operator]


def _prometheus_on(config: GatewayConfig) -> bool:
    """Whether this app's settings serve /metrics (else it is a 404)."""
    from ..telemetry import settings_from_env

    settings = config.telemetry if config.telemetry is not None else settings_from_env()
    return settings.metrics == "prometheus"


def _prometheus_text() -> str:
    from ..telemetry.metrics import prometheus

    return prometheus().text()


async def _send_raw(send: Send, status: int, body: bytes, headers: dict[str, str]) -> None:
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _send_text(send: Send, text: str) -> None:
    payload = text.encode()
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"text/plain; version=0.0.4; charset=utf-8"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


def _request_headers(scope: Scope) -> dict[str, str]:
    """Lower-cased headers; repeated ones joined as HTTP allows (cookies with "; ")."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if name in headers:
            headers[name] += ("; " if name == "cookie" else ", ") + value
        else:
            headers[name] = value
    return headers


async def _send_json(send: Send, status: int, body: Any, media_type: str, headers: dict[str, str] | None = None) -> None:
    try:
        payload = orjson.dumps(body)
    except TypeError:
        logger.exception("Response body is not JSON-serializable")
        status = 500
        payload = orjson.dumps(error_body("Internal server error.", "INTERNAL_SERVER_ERROR"))
    raw_headers = [
        (b"content-type", f"{media_type}; charset=utf-8".encode()),
        (b"content-length", str(len(payload)).encode()),
    ]
    for name, value in (headers or {}).items():
        if name not in ("content-type", "content-length"):
            # several Set-Cookie values arrive joined with "\n" (execute/headers.py): one line each
            for one in value.split("\n") if name == "set-cookie" else (value,):
                raw_headers.append((name.encode("latin-1"), one.encode("latin-1")))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})
