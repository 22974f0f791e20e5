"""Verify a compact JWS access/ID token: header, signature, then the time and identity claims.

Order matters: nothing in the payload is trusted (or even looked at beyond
parsing) until the signature has been checked with a key chosen by the
*configuration*: RS256/ES256 keys only from the JWKS, HS256 only with the
configured shared secret, `alg: none` never. Each refusal raises AuthError with
its own reason code (errors.py).

`JwtVerifier.verify` is synchronous (the authorizer Lambda); `averify` is the
same for an event loop, differing only in how a missing JWKS is fetched.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from typing import Any, Callable

from . import errors as e
from .config import AuthConfig
from .errors import AuthError
from .jwk import PublicJwk
from .jwks import JwksCache

MAX_TOKEN_BYTES = 16 * 1024
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
# Header parameters we understand; a `crit` naming anything must be refused (RFC 7515 4.1.11).
_CRIT_UNDERSTOOD: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ParsedJwt:
    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


def parse(token: str) -> ParsedJwt:
    """Split and decode a compact JWS, without trusting any of it yet."""
    if len(token) > MAX_TOKEN_BYTES:
        raise AuthError(e.MALFORMED_TOKEN, "The token is too large.")
    parts = token.split(".")
    if len(parts) != 3:
        raise AuthError(e.MALFORMED_TOKEN, "The token is not a JWT (three base64url parts).")
    header = _json_object(parts[0], "header")
    claims = _json_object(parts[1], "payload")
    return ParsedJwt(header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), _b64url(parts[2]))


def check_header(header: dict[str, Any], allowed: frozenset[str]) -> str:
    """The header's alg, when this configuration may verify it."""
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise AuthError(e.MALFORMED_TOKEN, 'The token header has no "alg".')
    if alg.lower() == "none":
        raise AuthError(e.ALG_NONE, "Unsigned tokens (alg none) are refused.")
    if alg not in allowed:
        raise AuthError(e.ALG_NOT_ALLOWED, f"Tokens signed with {alg} are not accepted.")
    crit = header.get("crit")
    if crit is not None and (not isinstance(crit, list) or not set(crit) <= _CRIT_UNDERSTOOD):
        raise AuthError(e.UNSUPPORTED_HEADER, 'The token header has "crit" parameters this gateway does not understand.')
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise AuthError(e.MALFORMED_TOKEN, 'The token header\'s "kid" must be a string.')
    return alg


def check_signature(parsed: ParsedJwt, alg: str, key: PublicJwk | None, secret: bytes | None) -> None:
    """Raise BAD_SIGNATURE unless the signature verifies under `key` (RS256/ES256) or `secret` (HS256)."""
    if alg == "HS256":
        if secret is None or key is not None:  # by construction HS256 never sees JWKS material
            raise AuthError(e.ALG_NOT_ALLOWED, "Tokens signed with HS256 are not accepted.")
        expected = hmac.new(secret, parsed.signing_input, hashlib.sha256).digest()
        if hmac.compare_digest(expected, parsed.signature):
            return
        raise AuthError(e.BAD_SIGNATURE, "The token's signature is invalid.")
    if key is None or key.alg != alg:
        raise AuthError(e.ALG_KEY_MISMATCH, f"The token's alg {alg} does not match its key.")
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.hashes import SHA256

    try:
        if alg == "RS256":
            from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15

            key.key.verify(parsed.signature, parsed.signing_input, PKCS1v15(), SHA256())
            return
        if alg == "ES256" and len(parsed.signature) == 64:
            from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
            from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

            r = int.from_bytes(parsed.signature[:32], "big")
            s = int.from_bytes(parsed.signature[32:], "big")
            key.key.verify(encode_dss_signature(r, s), parsed.signing_input, ECDSA(SHA256()))
            return
    except InvalidSignature:
        pass
    raise AuthError(e.BAD_SIGNATURE, "The token's signature is invalid.")


def check_claims(claims: dict[str, Any], config: AuthConfig, now: float) -> None:
    """exp (required), nbf, iat sanity with the configured leeway; then iss and aud when configured."""
    leeway = config.leeway
    exp = _time_claim(claims, "exp", required=True)
    if now >= exp + leeway:  # type: ignore[operator]
        raise AuthError(e.EXPIRED, "The token has expired.")
    nbf = _time_claim(claims, "nbf")
    if nbf is not None and now + leeway < nbf:
        raise AuthError(e.NOT_YET_VALID, "The token is not valid yet.")
    iat = _time_claim(claims, "iat")
    if iat is not None and iat > now + leeway:
        raise AuthError(e.ISSUED_IN_FUTURE, "The token claims to be issued in the future.")
    if config.issuer is not None:
        if "iss" not in claims:
            raise AuthError(e.MISSING_CLAIM, 'The token has no "iss" claim.')
        if claims["iss"] != config.issuer:
            raise AuthError(e.WRONG_ISSUER, "The token was issued by another issuer.")
    if config.audiences:
        _check_audience(claims, config.audiences)


def _check_audience(claims: dict[str, Any], accepted: tuple[str, ...]) -> None:
    aud = claims.get("aud")
    if aud is None and claims.get("token_use") == "access":
        aud = claims.get("client_id")  # Cognito access tokens name their app client here, not in aud
    if aud is None:
        raise AuthError(e.MISSING_CLAIM, 'The token has no "aud" claim.')
    if isinstance(aud, str):
        audiences = {aud}
    elif isinstance(aud, list) and all(isinstance(a, str) for a in aud):
        audiences = set(aud)
    else:
        raise AuthError(e.INVALID_CLAIM, 'The token\'s "aud" must be a string or a list of strings.')
    if audiences.isdisjoint(accepted):
        raise AuthError(e.WRONG_AUDIENCE, "The token is meant for another audience.")


def _time_claim(claims: dict[str, Any], name: str, *, required: bool = False) -> float | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise AuthError(e.MISSING_CLAIM, f'The token has no "{name}" claim.')
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AuthError(e.INVALID_CLAIM, f'The token\'s "{name}" must be a number of seconds.')
    return float(value)


def _b64url(part: str) -> bytes:
    if not _B64URL.fullmatch(part):
        raise AuthError(e.MALFORMED_TOKEN, "The token is not base64url-encoded.")
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise AuthError(e.MALFORMED_TOKEN, "The token is not base64url-encoded.") from None


def _json_object(part: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64url(part))
    except (ValueError, UnicodeDecodeError):
        raise AuthError(e.MALFORMED_TOKEN, f"The token {what} is not JSON.") from None
    if not isinstance(value, dict):
        raise AuthError(e.MALFORMED_TOKEN, f"The token {what} is not a JSON object.")
    return value


class JwtVerifier:
    """Verifies tokens under one AuthConfig; holds the JWKS cache, so keep one per process."""

    def __init__(self, config: AuthConfig, *, jwks: JwksCache | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self._allowed = config.algorithms
        if jwks is None and config.jwks_url is not None:
            jwks = JwksCache(config.jwks_url, ttl=config.jwks_ttl, timeout=config.jwks_timeout,
                             min_refresh_interval=config.jwks_min_refresh_interval)
        self.jwks = jwks
        self._clock = clock

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims once everything checks out (may fetch the JWKS inline)."""
        parsed, alg = self._parse(token)
        key = self.jwks.get(parsed.header.get("kid"), alg) if alg != "HS256" else None  # type: ignore[union-attr]
        return self._finish(parsed, alg, key)

    async def averify(self, token: str) -> dict[str, Any]:
        """As `verify`; a JWKS fetch, when one is needed, does not block the event loop."""
        parsed, alg = self._parse(token)
        key = await self.jwks.aget(parsed.header.get("kid"), alg) if alg != "HS256" else None  # type: ignore[union-attr]
        return self._finish(parsed, alg, key)

    def _parse(self, token: str) -> tuple[ParsedJwt, str]:
        parsed = parse(token)
        return parsed, check_header(parsed.header, self._allowed)

    def _finish(self, parsed: ParsedJwt, alg: str, key: PublicJwk | None) -> dict[str, Any]:
        check_signature(parsed, alg, key, self.config.hs256_secret if alg == "HS256" else None)
        check_claims(parsed.claims, self.config, self._clock())
        return parsed.claims
