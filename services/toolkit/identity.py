"""The caller's identity as the gateway signed it (gateway/access/identity.py), checked in
front of a service: `IdentityMiddleware` verifies the x-bff-* headers (constant-time HMAC,
maximum age) and puts the principal in the ASGI scope, where `principal_of(info)` finds it.

Secrets come from `BFF_IDENTITY_SECRET` / `BFF_IDENTITY_SECRET_PREVIOUS` (values or
secret references). A request without valid headers gets 401 (`required=True`, the
default) or runs as anonymous.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import orjson

from gateway.access.identity import DEFAULT_MAX_AGE, IdentityError, verify_identity
from gateway.auth.principal import ANONYMOUS

SCOPE_KEY = "bff.principal"
_HEADERS = (b"x-bff-principal", b"x-bff-timestamp", b"x-bff-signature")


def identity_secrets_from_env(resolver: Any = None) -> list[str]:
    """The identity secrets this service accepts (empty: no check configured)."""
    from gateway.secrets import SecretResolver, is_reference

    resolver = resolver or SecretResolver()
    out = []
    for name in ("BFF_IDENTITY_SECRET", "BFF_IDENTITY_SECRET_PREVIOUS"):
        value = os.environ.get(name, "").strip()
        if value:
            out.append(resolver.resolve(value) if is_reference(value) else value)
    return out


class IdentityMiddleware:
    """Pure ASGI middleware: verifies the signed identity and stores it under scope["bff.principal"]."""

    def __init__(self, app: Any, secrets: Sequence[str], *, max_age: float = DEFAULT_MAX_AGE,
                 required: bool = True, open_paths: Sequence[str] = ("/health",)) -> None:
        if not secrets or any(not s for s in secrets):
            raise ValueError("IdentityMiddleware needs at least one non-empty secret")
        self.app = app
        self.secrets = list(secrets)
        self.max_age = max_age
        self.required = required
        self.open_paths = frozenset(open_paths)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") in self.open_paths:
            await self.app(scope, receive, send)
            return
        headers = {name.decode(): value.decode("latin-1") for name, value in scope.get("headers", ())
                   if name in _HEADERS}
        try:
            principal = verify_identity(headers, self.secrets, self.max_age)
        except IdentityError as error:
            if self.required:
                await _unauthorized(send, str(error))
                return
            principal = ANONYMOUS
        await self.app({**scope, SCOPE_KEY: principal}, receive, send)


def principal_of(info: Any) -> Any:
    """The verified principal of the request a resolver runs for (anonymous when none)."""
    context = getattr(info, "context", None)
    request = context.get("request") if isinstance(context, dict) else getattr(context, "request", None)
    scope = getattr(request, "scope", None) or {}
    return scope.get(SCOPE_KEY, ANONYMOUS)


async def _unauthorized(send: Any, reason: str) -> None:
    body = orjson.dumps({"errors": [{"message": f"Missing or invalid caller identity ({reason}).",
                                     "extensions": {"code": "UNAUTHENTICATED"}}]})
    await send({"type": "http.response.start", "status": 401,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})
