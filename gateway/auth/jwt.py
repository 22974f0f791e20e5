"""Verify a compact JWS access/ID token: header, signature, then the time and identity claims.

The JOSE work (splitting and decoding the compact form, header checks, the
signature, NumericDate claims with leeway) is joserfc's; this module holds the
policy. Order matters: nothing in the payload is trusted until the signature
has been checked with a key chosen by the *configuration*: RS256/ES256 keys
only from the JWKS, HS256 only with the configured shared secret, `alg: none`
never. Each refusal raises AuthError with its own reason code (errors.py) and
a fixed message: nothing from the token is echoed (the message ends up in a
`WWW-Authenticate` header, where a CR/LF or a non-Latin-1 character would
break the response).

joserfc (and `cryptography`) is imported on the first token, not at start-up.
`JwtVerifier.verify` is synchronous (the authorizer Lambda); `averify` is the
same for an event loop, differing only in how a missing JWKS is fetched.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import cache
from typing import Any, Callable

from . import errors as e
from .config import AuthConfig
from .errors import AuthError
from .jwk import PublicJwk
from .jwks import JwksCache

MAX_TOKEN_BYTES = 16 * 1024
# Header parameters we understand; a `crit` naming anything must be refused (RFC 7515 4.1.11).
_CRIT_UNDERSTOOD: frozenset[str] = frozenset()
_VERIFIABLE = ("RS256", "ES256", "HS256")
_CLAIM_REASONS = {"exp": e.EXPIRED, "nbf": e.NOT_YET_VALID, "iat": e.ISSUED_IN_FUTURE, "iss": e.WRONG_ISSUER}
_CLAIM_MESSAGES = {
    e.EXPIRED: "The token has expired.",
    e.NOT_YET_VALID: "The token is not valid yet.",
    e.ISSUED_IN_FUTURE: "The token claims to be issued in the future.",
    e.WRONG_ISSUER: "The token was issued by another issuer.",
}
_KNOWN_CLAIMS = ("exp", "nbf", "iat", "iss", "sub", "jti", "aud")


@dataclass(frozen=True, slots=True)
class ParsedJwt:
    header: dict[str, Any]
    claims: dict[str, Any]
    compact: Any  # joserfc CompactSignature: what the signature is checked against


@cache
def _registry() -> Any:
    """joserfc's JWS registry for the algorithms this module can verify (which ones a token may use
    is decided per configuration, before any key is chosen)."""
    from joserfc.jws import JWSRegistry

    registry = JWSRegistry(algorithms=list(_VERIFIABLE))
    registry.max_header_length = 2048
    registry.max_payload_length = MAX_TOKEN_BYTES
    return registry


def parse(token: str) -> ParsedJwt:
    """Split and decode a compact JWS, without trusting any of it yet."""
    if len(token) > MAX_TOKEN_BYTES:
        raise AuthError(e.MALFORMED_TOKEN, "The token is too large.")
    from joserfc.errors import JoseError
    from joserfc.jws import extract_compact

    try:
        compact = extract_compact(token.encode("ascii"), registry=_registry())
        header = compact.headers()
    except (JoseError, ValueError, TypeError, UnicodeError):
        raise AuthError(e.MALFORMED_TOKEN, "The token is not a JWT (three base64url-encoded parts, "
                                           "a JSON header with an alg).") from None
    if not isinstance(header, dict):
        raise AuthError(e.MALFORMED_TOKEN, "The token header is not a JSON object.")
    try:
        claims = json.loads(compact.payload)
    except (ValueError, UnicodeDecodeError):
        raise AuthError(e.MALFORMED_TOKEN, "The token payload is not JSON.") from None
    if not isinstance(claims, dict):
        raise AuthError(e.MALFORMED_TOKEN, "The token payload is not a JSON object.")
    return ParsedJwt(header, claims, compact)


def check_header(header: dict[str, Any], allowed: frozenset[str]) -> str:
    """The header's alg, when this configuration may verify it."""
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise AuthError(e.MALFORMED_TOKEN, 'The token header has no "alg".')
    if alg.lower() == "none":
        raise AuthError(e.ALG_NONE, "Unsigned tokens (alg none) are refused.")
    if alg not in allowed:
        raise AuthError(e.ALG_NOT_ALLOWED, "The token's signing algorithm is not accepted.")
    crit = header.get("crit")
    if crit is not None and (not isinstance(crit, list) or not set(crit) <= _CRIT_UNDERSTOOD):
        raise AuthError(e.UNSUPPORTED_HEADER, 'The token header has "crit" parameters this gateway does not understand.')
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise AuthError(e.MALFORMED_TOKEN, 'The token header\'s "kid" must be a string.')
    return alg


def check_signature(parsed: ParsedJwt, alg: str, key: PublicJwk | None, secret: Any) -> None:
    """Raise unless the signature verifies under `key` (RS256/ES256, from the JWKS) or `secret`
    (HS256: the configured secret, as bytes or a joserfc OctKey)."""
    if alg == "HS256":
        if secret is None or key is not None:  # by construction HS256 never sees JWKS material
            raise AuthError(e.ALG_NOT_ALLOWED, "The token's signing algorithm is not accepted.")
        verify_key = hs256_key(secret) if isinstance(secret, bytes) else secret
    else:
        if key is None or key.alg != alg:
            raise AuthError(e.ALG_KEY_MISMATCH, "The token's signing algorithm does not match its key.")
        verify_key = key.key
    from joserfc.errors import JoseError
    from joserfc.jws import validate_compact

    try:
        valid = validate_compact(parsed.compact, verify_key, algorithms=[alg], registry=_registry())
    except (JoseError, ValueError):
        valid = False
    if not valid:
        raise AuthError(e.BAD_SIGNATURE, "The token's signature is invalid.")


def hs256_key(secret: bytes) -> Any:
    """The configured HS256 secret as a joserfc key."""
    from joserfc.jwk import OctKey

    return OctKey.import_key(secret)


def claims_registry(config: AuthConfig, clock: Callable[[], float] = time.time) -> Any:
    """joserfc's claims registry for `config`: exp required, nbf and iat checked when present, all with
    the configured leeway, iss when configured. Built once per verifier (it reads the clock per token)."""
    from joserfc.jwt import JWTClaimsRegistry

    options: dict[str, Any] = {"exp": {"essential": True}}
    if config.issuer is not None:
        options["iss"] = {"essential": True, "value": config.issuer}
    return JWTClaimsRegistry(now=clock, leeway=config.leeway, **options)  # type: ignore[arg-type]


def check_claims(claims: dict[str, Any], config: AuthConfig, registry: Any) -> None:
    """The time and issuer claims (joserfc's `registry`, from claims_registry), then aud when configured."""
    from joserfc.errors import ClaimError, ExpiredTokenError, MissingClaimError

    try:
        registry.validate(claims)
    except ExpiredTokenError:
        raise AuthError(e.EXPIRED, _CLAIM_MESSAGES[e.EXPIRED]) from None
    except MissingClaimError as exc:
        missing = next((name for name in ("exp", "iss") if name not in claims), None)
        raise AuthError(e.MISSING_CLAIM, f'The token has no "{missing}" claim.' if missing
                        else "The token lacks a required claim.") from exc
    except ClaimError as exc:
        raise _claim_refusal(exc.claim, claims.get(exc.claim)) from None
    if config.audiences:
        _check_audience(claims, config.audiences)


def _claim_refusal(name: str, value: Any) -> AuthError:
    """A refused claim's reason: a well-formed value that fails the check, or an ill-formed one."""
    well_formed = isinstance(value, str) if name == "iss" else (
        isinstance(value, (int, float)) and not isinstance(value, bool))
    reason = _CLAIM_REASONS.get(name)
    if reason is not None and well_formed:
        return AuthError(reason, _CLAIM_MESSAGES[reason])
    shown = name if name in _KNOWN_CLAIMS else "a"
    return AuthError(e.INVALID_CLAIM, f'The token\'s "{shown}" claim is not valid.')


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
        self._hs256: Any = None  # the configured secret as a joserfc key, made on first use
        self._claims: Any = None  # joserfc's claims registry, made on first use (joserfc loads lazily)

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
        secret = None
        if alg == "HS256" and self.config.hs256_secret is not None:
            if self._hs256 is None:
                self._hs256 = hs256_key(self.config.hs256_secret)
            secret = self._hs256
        check_signature(parsed, alg, key, secret)
        if self._claims is None:
            self._claims = claims_registry(self.config, self._clock)
        check_claims(parsed.claims, self.config, self._claims)
        return parsed.claims
