"""The registry's HTTP API: a raw ASGI app (no framework on a Lambda cold start) and a Lambda handler.

    GET    /v1/version               {"version": N}                      (the gateways' cheap poll)
    GET    /v1/supergraph            {"version": N, "supergraph": SDL, "contracts": [definition...]}
    GET    /v1/contracts             the contract definitions (docs/contracts.md)
    PUT    /v1/contracts/NAME        set {include?, exclude?, clients?, claims?, paths?, allow_breaking?, published_by?}
    DELETE /v1/contracts/NAME        remove (?by=WHO&allow_breaking=true)
    GET    /v1/services              [{name, endpoint, ...}]             (no SDL)
    GET    /v1/services/NAME         one service with its SDL
    PUT    /v1/services/NAME         publish {endpoint, sdl, lookups?, api_key_ref?, allow_breaking?,
                                     allow_security_change?, allow_override?, published_by?}
    DELETE /v1/services/NAME         remove (?by=WHO; &allow_breaking=true, &allow_security_change=true:
                                     accept breaking or security changes, as for a publish)
    GET    /v1/history[?service=N]   every version: who, when, what changed
    GET    /v1/documents[?client=N]  trusted-document registrations (no text)
    PUT    /v1/documents/CLIENT/VER  register {documents: {sha256: text} | [text], published_by?}
    GET    /v1/documents/CLIENT/VER/SHA256   {sha256, document} when registered for that client/version
    GET    /v1/documents/SHA256      {sha256, document} whatever client registered it

Writes need `Authorization: Bearer <deploy token>` (compared in constant time);
with no deploy token configured, writes are refused. Reads need the read token
or the deploy token; with neither configured they are refused, unless the
registry is local (BFF_REGISTRY_OPEN_READS=1: reads open).
Environment for `handler`: BFF_REGISTRY_URL (a store URL), BFF_REGISTRY_DEPLOY_TOKEN
or BFF_REGISTRY_DEPLOY_TOKEN_REF (a secret reference, e.g. ssm:/bff/deploy-token),
BFF_REGISTRY_READ_TOKEN / BFF_REGISTRY_READ_TOKEN_REF, BFF_REGISTRY_OPEN_READS; the publish
guards' settings (discovery/guards.py).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, MutableMapping, Protocol
from urllib.parse import parse_qs, unquote

import orjson

from .model import Outcome
from .registry import PublishRequest, Registry
from .store.base import StoreError

logger = logging.getLogger("bff.registry")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class ASGIApp(Protocol):
    """An ASGI 3 app, with the parameter names mangum's `ASGI` protocol asks for."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...

MAX_BODY = 2_000_000  # an SDL may be 1 MB; JSON escaping can nearly double it
PREFIX = "/v1"


@dataclass(frozen=True, slots=True)
class ApiConfig:
    deploy_token: str | None = None  # None: publishing disabled
    read_token: str | None = None  # None: reads need the deploy token (or `open_reads`)
    # Reads without any token: only for a local registry (BFF_REGISTRY_OPEN_READS=1).
    open_reads: bool = False


class _Reply(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or {}


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> _Reply:
    return _Reply(status, {"ok": False, "errors": [{"code": code, "message": message}]}, headers)


def _text(body: dict[str, Any], *names: str) -> str:
    """The first of `names` the body gives, "" when none (the registry then names what is missing);
    a value that is not a string is refused here."""
    for name in names:
        value = body.get(name)
        if value is not None:
            if not isinstance(value, str):
                raise _error(400, "BAD_REQUEST", f"{name} must be a string")
            return value
    return ""


def create_registry_app(registry: Registry, config: ApiConfig) -> ASGIApp:
    """The ASGI app serving `registry` under /v1."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        try:
            status, body = await _route(registry, config, scope, receive)
            await _send(send, status, body)
        except _Reply as reply:
            await _send(send, reply.status, reply.body, reply.headers)
        except StoreError as exc:
            await _send(send, 503, {"ok": False, "errors": [{"code": "REGISTRY_UNAVAILABLE", "message": str(exc)}]})
        except Exception:
            logger.exception("registry API error")
            await _send(send, 500, {"ok": False, "errors": [{"code": "INTERNAL", "message": "internal error"}]})

    return app


async def _route(registry: Registry, config: ApiConfig, scope: Scope, receive: Receive) -> tuple[int, Any]:
    path = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):]
    method = scope["method"]
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
    if not path.startswith(PREFIX + "/"):
        raise _error(404, "NOT_FOUND", f"not found: {path}")
    route = path[len(PREFIX):]
    query = {k: v[-1] for k, v in parse_qs(scope.get("query_string", b"").decode("latin-1")).items()}
    write = method in ("PUT", "DELETE", "POST")
    _authorize(config, headers.get("authorization"), write)
    run = asyncio.to_thread

    if route == "/version" and method == "GET":
        return 200, {"version": await run(registry.version)}
    if route == "/supergraph" and method == "GET":
        stored = await run(registry.supergraph)
        return 200, {"version": stored.version, "supergraph": stored.sdl,
                     "contracts": orjson.loads(stored.contracts) if stored.contracts else []}
    if route == "/contracts" or route.startswith("/contracts/"):
        return await _contracts(registry, method, route, query, receive, headers)
    if route == "/services" and method == "GET":
        return 200, [s.to_json(with_sdl=False) for s in await run(registry.services)]
    if route == "/history" and method == "GET":
        return 200, [e.to_json() for e in await run(registry.history, query.get("service"))]
    if route == "/documents" or route.startswith("/documents/"):
        return await _documents(registry, method, route, query, receive, headers)
    if route.startswith("/services/") and route.count("/") == 2:
        name = unquote(route[len("/services/"):])
        if method == "GET":
            service = await run(registry.show, name)
            if service is None:
                raise _error(404, "UNKNOWN_SERVICE", f"no service named {name!r} is published")
            return 200, service.to_json()
        if method == "PUT":
            body = await _json_body(receive, headers)
            request = PublishRequest(name=name, endpoint=_text(body, "endpoint", "url"), sdl=_text(body, "sdl"),
                                     published_by=str(body.get("published_by") or "api"), lookups=body.get("lookups"),
                                     api_key_ref=body.get("api_key_ref"), allow_breaking=bool(body.get("allow_breaking")),
                                     allow_security_change=body.get("allow_security_change") is True,
                                     allow_override=body.get("allow_override") is True)
            return _outcome(await run(registry.publish, request))
        if method == "DELETE":
            actor = query.get("by") or "api"
            flags = [query.get(f, "").lower() in ("1", "true", "yes") for f in ("allow_breaking", "allow_security_change")]
            return _outcome(await run(registry.remove, name, actor, *flags))
        raise _error(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on {path}", {"allow": "GET, PUT, DELETE"})
    raise _error(404, "NOT_FOUND", f"not found: {method} {path}")


async def _documents(registry: Registry, method: str, route: str, query: dict[str, str], receive: Receive,
                     headers: dict[str, str]) -> tuple[int, Any]:
    """The trusted-documents routes (client names and versions cannot contain '/')."""
    parts = [unquote(p) for p in route.split("/")[2:]]
    run = asyncio.to_thread
    if method == "GET" and not parts:
        return 200, [e.to_json() for e in await run(registry.documents, query.get("client"))]
    if method == "PUT" and len(parts) == 2:
        body = await _json_body(receive, headers)
        documents = body.get("documents")
        if not isinstance(documents, (dict, list)):
            raise _error(400, "BAD_REQUEST", "documents must be an object {sha256: document} or a list of documents")
        return _outcome(await run(registry.publish_documents, parts[0], parts[1], documents,
                                  str(body.get("published_by") or "api")))
    if method == "GET" and len(parts) in (1, 3):
        sha = parts[-1].lower()
        text = await (run(registry.document, sha) if len(parts) == 1 else run(registry.client_document, parts[0], parts[1], sha))
        if text is None:
            raise _error(404, "UNKNOWN_DOCUMENT", f"document {sha} is not registered")
        return 200, {"sha256": sha, "document": text}
    raise _error(404, "NOT_FOUND", f"not found: {method} {PREFIX}{route}")


async def _contracts(registry: Registry, method: str, route: str, query: dict[str, str], receive: Receive,
                     headers: dict[str, str]) -> tuple[int, Any]:
    """The contract routes: list, set, remove (Registry.set_contract / remove_contract)."""
    run = asyncio.to_thread
    if route == "/contracts" and method == "GET":
        return 200, [d.to_json() for d in await run(registry.contracts)]
    name = unquote(route[len("/contracts/"):])
    if not name or "/" in name:
        raise _error(404, "NOT_FOUND", f"not found: {method} {PREFIX}{route}")
    if method == "PUT":
        from bff_common.contracts.definitions import parse_definition

        body = await _json_body(receive, headers)
        options = {k: body.pop(k) for k in ("allow_breaking", "published_by") if k in body}
        definition, problems = parse_definition(name, body, f"contract {name}")
        if problems:
            raise _error(422, "CONTRACT_INVALID", "; ".join(problems))
        return _outcome(await run(lambda: registry.set_contract(definition, str(options.get("published_by") or "api"),
                                                                allow_breaking=options.get("allow_breaking") is True)))
    if method == "DELETE":
        allow = query.get("allow_breaking") in ("1", "true")
        return _outcome(await run(lambda: registry.remove_contract(name, query.get("by") or "api",
                                                                   allow_breaking=allow)))
    raise _error(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on {PREFIX}{route}", {"allow": "PUT, DELETE"})


def _outcome(outcome: Outcome) -> tuple[int, Any]:
    if outcome.ok:
        return 200, outcome.to_json()
    codes = {p.code for p in outcome.problems}
    if codes & {"REGISTRY_UNAVAILABLE", "REGISTRY_ERROR"}:
        return 503, outcome.to_json()
    if "CONFLICT" in codes:
        return 409, outcome.to_json()
    if codes & {"UNKNOWN_SERVICE", "UNKNOWN_CONTRACT"}:
        return 404, outcome.to_json()
    if "SDL_TOO_LARGE" in codes:
        return 413, outcome.to_json()
    return 422, outcome.to_json()


def _authorize(config: ApiConfig, authorization: str | None, write: bool) -> None:
    """Constant-time bearer check: deploy token for writes; read token (or deploy token) for protected reads."""
    given = ""
    if authorization and authorization[:7].lower() == "bearer ":
        given = authorization[7:].strip()
    challenge = {"www-authenticate": 'Bearer realm="bff-registry"'}
    if write:
        if config.deploy_token is None:
            raise _error(403, "PUBLISHING_DISABLED", "publishing is disabled: no deploy token is configured")
        if not hmac.compare_digest(given.encode(), config.deploy_token.encode()):
            raise _error(401, "UNAUTHORIZED", "a valid deploy token is required (Authorization: Bearer ...)", challenge)
        return
    if config.open_reads:
        return
    if config.read_token is None and config.deploy_token is None:
        raise _error(403, "READS_DISABLED", "reads need a token: configure a read token "
                     "(BFF_REGISTRY_READ_TOKEN[_REF]), or BFF_REGISTRY_OPEN_READS=1 for a local registry")
    ok_read = config.read_token is not None and hmac.compare_digest(given.encode(), config.read_token.encode())
    ok_deploy = config.deploy_token is not None and hmac.compare_digest(given.encode(), config.deploy_token.encode())
    if not (ok_read or ok_deploy):
        raise _error(401, "UNAUTHORIZED", "a valid read token is required (Authorization: Bearer ...)", challenge)


async def _json_body(receive: Receive, headers: dict[str, str]) -> dict[str, Any]:
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise _error(413, "SDL_TOO_LARGE", f"request body is larger than {MAX_BODY} bytes")
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _error(400, "BAD_REQUEST", "client disconnected")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise _error(413, "SDL_TOO_LARGE", f"request body is larger than {MAX_BODY} bytes")
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    try:
        body = orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError as exc:
        raise _error(400, "BAD_REQUEST", f"the body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise _error(400, "BAD_REQUEST", "the body must be a JSON object")
    return body


async def _send(send: Send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    payload = orjson.dumps(body)
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


# -- Lambda ------------------------------------------------------------------------

def config_from_env(env: MutableMapping[str, str] | None = None) -> ApiConfig:
    """Tokens from BFF_REGISTRY_{DEPLOY,READ}_TOKEN or their *_REF secret references."""
    env = os.environ if env is None else env

    def token(name: str) -> str | None:
        if env.get(name):
            return env[name]
        ref = env.get(name + "_REF")
        if ref:
            from bff_common.secrets import SecretResolver

            return SecretResolver().resolve(ref)
        return None

    return ApiConfig(deploy_token=token("BFF_REGISTRY_DEPLOY_TOKEN"), read_token=token("BFF_REGISTRY_READ_TOKEN"),
                     open_reads=env.get("BFF_REGISTRY_OPEN_READS", "").strip().lower() in ("1", "true", "yes"))


_handler: Any = None


_registry: Registry | None = None


def _open() -> Registry:
    global _registry
    if _registry is None:
        from .store import open_store

        url = os.environ.get("BFF_REGISTRY_URL")
        if not url:
            raise RuntimeError("BFF_REGISTRY_URL is not set: point it at the registry store (dynamodb://TABLE)")
        _registry = Registry(open_store(url))
    return _registry


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (API Gateway HTTP API v2 or REST v1) for the registry API, and the
    CloudFormation custom resource `Custom::BffService` (discovery/cfn_resource.py): a service stack
    registers on create/update and unregisters on delete."""
    global _handler
    from .cfn_resource import is_custom_resource_event

    if is_custom_resource_event(event):
        from .cfn_resource import lambda_handler, unavailable

        try:
            registry = _open()
        except Exception as exc:  # noqa: BLE001 - CloudFormation must get an answer, or it waits an hour
            return unavailable(event, exc)
        return lambda_handler(registry, event)
    if _handler is None:
        from mangum import Mangum

        app = create_registry_app(_open(), config_from_env())
        _handler = Mangum(app, lifespan="off")
    return _handler(event, context)
