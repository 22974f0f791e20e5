"""The caller's identity for the subgraphs, in a form they can trust.

The gateway adds three headers to every subgraph request:

    x-bff-principal   base64url (unpadded) JSON {"kind", "sub", "roles", "scopes", "client"}
    x-bff-timestamp   Unix seconds when signed
    x-bff-signature   hex HMAC-SHA256(secret, "<timestamp>.<principal>")

Services verify with `verify_identity` (constant-time comparison, maximum age).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

PRINCIPAL, TIMESTAMP, SIGNATURE = "x-bff-principal", "x-bff-timestamp", "x-bff-signature"
DEFAULT_MAX_AGE = 300.0


class IdentityError(ValueError):
    """Missing, forged or expired identity headers."""


def _mac(secret: str, timestamp: str, payload: str) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()


def sign_identity(principal: Any, secret: str, now: float | None = None) -> dict[str, str]:
    """The identity headers for `principal` (None: anonymous)."""
    claims = {"kind": getattr(principal, "kind", None) or "anonymous",
              "sub": getattr(principal, "subject", None),
              "roles": sorted(getattr(principal, "roles", ()) or ()),
              "scopes": sorted(getattr(principal, "scopes", ()) or ()),
              "client": getattr(principal, "client_name", None)}
    payload = base64.urlsafe_b64encode(orjson.dumps(claims)).rstrip(b"=").decode()
    timestamp = str(int(time.time() if now is None else now))
    return {PRINCIPAL: payload, TIMESTAMP: timestamp, SIGNATURE: _mac(secret, timestamp, payload)}


def verify_identity(headers: Mapping[str, str], secrets: Sequence[str], max_age: float = DEFAULT_MAX_AGE,
                    now: float | None = None) -> Any:
    """The signed principal (gateway.auth Principal); raises IdentityError. `secrets`: current and
    previous secret during a rotation. `headers` keys must be lower-case."""
    from ..auth.principal import Principal

    payload, timestamp, signature = (headers.get(h) for h in (PRINCIPAL, TIMESTAMP, SIGNATURE))
    if not payload or not timestamp or not signature:
        raise IdentityError("missing identity headers")
    matched = False
    for secret in secrets:
        matched |= hmac.compare_digest(_mac(secret, timestamp, payload).encode(), signature.encode())
    if not matched:
        raise IdentityError("invalid identity signature")
    try:
        age = (time.time() if now is None else now) - int(timestamp)
    except ValueError:
        raise IdentityError("invalid identity timestamp") from None
    if age > max_age or age < -60:
        raise IdentityError("expired identity")
    try:
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        raise IdentityError("invalid identity payload") from None
    kind = claims.get("kind")
    if kind not in ("viewer", "server", "anonymous"):
        raise IdentityError("invalid identity kind")
    return Principal(kind=kind, subject=claims.get("sub"), roles=frozenset(claims.get("roles") or ()),
                     scopes=frozenset(claims.get("scopes") or ()), client_name=claims.get("client"))
