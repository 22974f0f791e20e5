"""The caller's identity for the subgraphs, bound to the one request it was signed for.

The gateway adds three headers to every subgraph request:

    x-bff-principal   base64url (unpadded) JSON {"kind", "sub", "roles", "scopes", "client",
                      "policies", "owner"}: the principal, plus the gateway's verdicts on the
                      @policy names the supergraph uses (allowed; allowed if the viewer owns the object)
    x-bff-timestamp   Unix seconds when signed
    x-bff-signature   hex HMAC-SHA256(service key, "bff-identity-v2\\n<service>\\n<METHOD>\\n<timestamp>\\n
                      <sha256 hex of the body>\\n<principal>")

The service key is HMAC-SHA256(shared secret, "bff-identity-v2/<service>"): a signature made for
one service does not verify at another, and a service may be given only its own key
(`service_key`). The body digest is over the exact bytes sent (for GET: the query string), so a
captured identity cannot carry another query; the timestamp window (30 s either way) bounds
replays of the same request. The transport signs (`IdentitySigner.sign`) after it serialized
the body; the gateway only puts the principal payload in the headers (`principal_payload`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from .principal import Principal

PRINCIPAL, TIMESTAMP, SIGNATURE = "x-bff-principal", "x-bff-timestamp", "x-bff-signature"
DEFAULT_MAX_AGE = 30.0
_VERSION = "bff-identity-v2"


class IdentityError(ValueError):
    """Missing, forged, misdirected or expired identity headers."""


def service_key(secret: str | bytes, service: str) -> bytes:
    """The key one service verifies with, derived from the shared secret."""
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, f"{_VERSION}/{service}".encode(), hashlib.sha256).digest()


def _mac(key: bytes, service: str, method: str, timestamp: str, body: bytes, payload: str) -> str:
    message = "\n".join((_VERSION, service, method.upper(), timestamp, hashlib.sha256(body).hexdigest(), payload))
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def principal_payload(principal: Any, verdicts: Mapping[str, Any] | None = None) -> str:
    """The x-bff-principal value for `principal` (None: anonymous). `verdicts`: policy name ->
    True / "owner" (False verdicts are left out: a policy not named denies)."""
    verdicts = verdicts or {}
    claims = {"kind": getattr(principal, "kind", None) or "anonymous",
              "sub": getattr(principal, "subject", None),
              "roles": sorted(getattr(principal, "roles", ()) or ()),
              "scopes": sorted(getattr(principal, "scopes", ()) or ()),
              "client": getattr(principal, "client_name", None),
              "policies": sorted(n for n, v in verdicts.items() if v is True),
              "owner": sorted(n for n, v in verdicts.items() if v == "owner")}
    return base64.urlsafe_b64encode(orjson.dumps(claims)).rstrip(b"=").decode()


class IdentitySigner:
    """Signs subgraph requests with per-service keys derived once from the shared secret."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the identity secret is empty")
        self._secret = secret
        self._keys: dict[str, bytes] = {}

    def sign(self, service: str, method: str, body: bytes, headers: dict[str, str] | None,
             now: float | None = None) -> dict[str, str] | None:
        """`headers` with x-bff-timestamp / x-bff-signature added when they carry x-bff-principal
        (the gateway's payload); unchanged otherwise. Called by the transport with the bytes it sends."""
        payload = headers.get(PRINCIPAL) if headers else None
        if not payload:
            return headers
        key = self._keys.get(service)
        if key is None:
            key = self._keys[service] = service_key(self._secret, service)
        timestamp = str(int(time.time() if now is None else now))
        return {**headers, TIMESTAMP: timestamp,  # type: ignore[dict-item]
                SIGNATURE: _mac(key, service, method, timestamp, body, payload)}


def sign_identity(principal: Any, secret: str, *, service: str, body: bytes = b"", method: str = "POST",
                  now: float | None = None, verdicts: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The identity headers for one request of `principal` (None: anonymous) to `service`."""
    signed = IdentitySigner(secret).sign(service, method, body, {PRINCIPAL: principal_payload(principal, verdicts)},
                                         now)
    assert signed is not None
    return signed


def verify_identity(headers: Mapping[str, str], secrets: Sequence[str | bytes], *, service: str, method: str,
                    body: bytes, max_age: float = DEFAULT_MAX_AGE, now: float | None = None,
                    keys: Sequence[bytes] = ()) -> Principal:
    """The signed principal (bff_common.principal.Principal, with the gateway's policy verdicts in its
    claims "bff:policies" / "bff:owner"); raises IdentityError. `secrets`: current and previous
    shared secret during a rotation; `keys`: already derived service keys (`service_key`).
    `headers` keys must be lower-case; `body`: the request body (GET: the query string)."""
    payload, timestamp, signature = (headers.get(h) for h in (PRINCIPAL, TIMESTAMP, SIGNATURE))
    if not payload or not timestamp or not signature:
        raise IdentityError("missing identity headers")
    matched = False
    for key in [*keys, *(service_key(s, service) for s in secrets)]:
        matched |= hmac.compare_digest(_mac(key, service, method, timestamp, body, payload).encode(),
                                       signature.encode())
    if not matched:
        raise IdentityError("invalid identity signature")
    try:
        age = (time.time() if now is None else now) - int(timestamp)
    except ValueError:
        raise IdentityError("invalid identity timestamp") from None
    if abs(age) > max_age:
        raise IdentityError("expired identity")
    try:
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        raise IdentityError("invalid identity payload") from None
    kind = claims.get("kind")
    if kind not in ("viewer", "server", "anonymous"):
        raise IdentityError("invalid identity kind")
    return Principal(kind=kind, subject=claims.get("sub"), roles=frozenset(claims.get("roles") or ()),
                     scopes=frozenset(claims.get("scopes") or ()), client_name=claims.get("client"),
                     claims={"bff:policies": frozenset(claims.get("policies") or ()),
                             "bff:owner": frozenset(claims.get("owner") or ())})
