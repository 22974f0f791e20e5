"""The caller's identity as the gateway signed it (bff_common/identity.py), checked in
front of a service: `IdentityMiddleware` verifies the x-bff-* headers (constant-time HMAC with
this service's key over its name, the method and the body; 30 s window) and puts the principal
in the ASGI scope, where `principal_of(info)` finds it.

Secrets come from `BFF_IDENTITY_SECRET` / `BFF_IDENTITY_SECRET_PREVIOUS` (values or
secret references). A request without valid headers gets 401 (`required=True`, the
default) or runs as anonymous.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import orjson

from bff_common.identity import DEFAULT_MAX_AGE, IdentityError, service_key, verify_identity
from bff_common.principal import ANONYMOUS

SCOPE_KEY = "bff.principal"
_HEADERS = (b"x-bff-principal", b"x-bff-timestamp", b"x-bff-signature")


def identity_secrets_from_env(resolver: Any = None) -> list[str]:
    """The identity secrets this service accepts (empty: no check configured)."""
    from bff_common.secrets import SecretResolver, is_reference

    resolver = resolver or SecretResolver()
    out = []
    for name in ("BFF_IDENTITY_SECRET", "BFF_IDENTITY_SECRET_PREVIOUS"):
        value = os.environ.get(name, "").strip()
        if value:
            out.append(resolver.resolve(value) if is_reference(value) else value)
    return out


class IdentityMiddleware:
    """Pure ASGI middleware: verifies the signed identity and stores it under scope["bff.principal"]."""

    def __init__(self, app: Any, secrets: Sequence[str], *, service: str, max_age: float = DEFAULT_MAX_AGE,
                 required: bool = True, open_paths: Sequence[str] = ("/health",),
                 paths: Sequence[str] | None = None, max_body: int = 4_000_000) -> None:
        if not secrets or any(not s for s in secrets):
            raise ValueError("IdentityMiddleware needs at least one non-empty secret")
        if not service:
            raise ValueError("IdentityMiddleware needs the service's name (its subgraph name)")
        self.app = app
        # Derived once: the keys for this service only (bff_common/identity.service_key).
        self.keys = [service_key(s, service) for s in secrets]
        self.service = service
        self.max_body = max_body
        self.max_age = max_age
        self.required = required
        self.open_paths = frozenset(open_paths)
        self.paths = None if paths is None else frozenset(paths)  # None: every path but `open_paths`

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path")
        if scope["type"] not in ("http", "websocket") or path in self.open_paths or (
                self.paths is not None and path not in self.paths):
            await self.app(scope, receive, send)
            return
        headers = {name.decode(): value.decode("latin-1") for name, value in scope.get("headers", ())
                   if name in _HEADERS}
        method = scope.get("method", "GET")
        body = scope.get("query_string", b"") if method in ("GET", "HEAD") else await _read_body(receive,
                                                                                                self.max_body)
        if body is None:
            await _refuse(send, 413, "Request body too large.", "BAD_REQUEST")
            return
        try:
            principal = verify_identity(headers, (), keys=self.keys, service=self.service, method=method,
                                        body=body, max_age=self.max_age)
        except IdentityError as error:
            if self.required:
                if scope["type"] == "websocket":  # a subscription's handshake: refused before it is accepted (403)
                    await send({"type": "websocket.close", "code": 1008})
                else:
                    await _refuse(send, 401, f"Missing or invalid caller identity ({error}).", "UNAUTHENTICATED")
                return
            principal = ANONYMOUS
        if method not in ("GET", "HEAD"):
            receive = _replay(body, receive)
        await self.app({**scope, SCOPE_KEY: principal}, receive, send)


def principal_of(info: Any) -> Any:
    """The verified principal of the request a resolver runs for (anonymous when none)."""
    context = getattr(info, "context", None)
    request = context.get("request") if isinstance(context, dict) else getattr(context, "request", None)
    scope = getattr(request, "scope", None) or {}
    return scope.get(SCOPE_KEY, ANONYMOUS)


async def _read_body(receive: Any, limit: int) -> bytes | None:
    """The whole request body (None past `limit` bytes): the signature covers its digest."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes, original: Any) -> Any:
    """A `receive` that hands the app the body already read, then defers to the server's."""
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if sent:
            return await original()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    return receive


async def _refuse(send: Any, status: int, message: str, code: str) -> None:
    body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})
