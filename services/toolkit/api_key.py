"""The API-key check in front of every service: only the gateway (or a caller it
issued a key to) may call a service directly.

Keys come from references (bff_common.secrets): `BFF_API_KEY_<SERVICE>` holds the
current key's reference, `BFF_API_KEY_<SERVICE>_PREVIOUS` the one being rotated
out, so a rotation never fails a request. Comparison is constant-time; keys are
never logged. `/health` stays open for probes.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import MutableMapping, Sequence
from typing import Any

import orjson

HEADER = b"x-api-key"
_UNAUTHORIZED = orjson.dumps({"errors": [{"message": "Missing or invalid API key.",
                                         "extensions": {"code": "UNAUTHENTICATED"}}]})


def api_keys_from_env(service: str, resolver: Any = None) -> list[str]:
    """The keys this service accepts, from its environment (empty: no check configured)."""
    from bff_common.secrets import SecretResolver, is_reference

    resolver = resolver or SecretResolver()
    prefix = f"BFF_API_KEY_{service.upper().replace('-', '_')}"
    values = [v for v in (os.environ.get(n, "").strip() for n in (prefix, prefix + "_PREVIOUS")) if v]
    resolved = resolver.resolve_many([v for v in values if is_reference(v)])  # both keys in one SSM call
    return [resolved.get(v, v) for v in values]


class ApiKeyMiddleware:
    """Pure ASGI middleware: 401 in GraphQL's error format unless X-API-Key matches."""

    def __init__(self, app: Any, keys: Sequence[str], open_paths: Sequence[str] = ("/health",)) -> None:
        if not keys or any(not k for k in keys):
            raise ValueError("ApiKeyMiddleware needs at least one non-empty key")
        self.app = app
        self.keys = [k.encode() for k in keys]
        self.open_paths = frozenset(open_paths)

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket") or scope.get("path") in self.open_paths:
            await self.app(scope, receive, send)
            return
        presented = b""
        for name, value in scope.get("headers", ()):
            if name == HEADER:
                presented = value
                break
        # Compare against every key so timing does not reveal which one matched.
        matched = False
        for key in self.keys:
            matched |= hmac.compare_digest(presented, key)
        if matched:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":  # a subscription's handshake: refused before it is accepted (HTTP 403)
            await send({"type": "websocket.close", "code": 1008})
            return
        await send({"type": "http.response.start", "status": 401,
                    "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"ApiKey")]})
        await send({"type": "http.response.body", "body": _UNAUTHORIZED})
