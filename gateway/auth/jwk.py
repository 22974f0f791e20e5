"""One JWK -> a public key bound to the single JWS `alg` it may verify.

Binding each key to one alg is what defeats algorithm confusion: a token is
verified only with a key whose alg equals the token's header alg, so an RSA
key can never serve as an HMAC secret or an EC key, and symmetric (`oct`) keys
published in a JWKS are never used at all. `cryptography` is imported here,
on the first key loaded, not when the gateway starts.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from typing import Any, Mapping

logger = logging.getLogger("bff.auth")

MIN_RSA_BITS = 2048


@dataclass(frozen=True, slots=True)
class PublicJwk:
    kid: str | None
    alg: str  # "RS256" or "ES256"
    key: Any  # a cryptography RSAPublicKey / EllipticCurvePublicKey


def load_jwk(jwk: Mapping[str, Any]) -> PublicJwk | None:
    """The verification key of a JWK; None for keys we must not or cannot use for RS256/ES256
    (other use, symmetric, unsupported curve or alg, RSA below 2048 bits, bad encoding)."""
    kid = jwk.get("kid")
    if kid is not None and not isinstance(kid, str):
        return None
    if jwk.get("use", "sig") != "sig":
        return None
    ops = jwk.get("key_ops")
    if ops is not None and "verify" not in ops:
        return None
    kty, alg = jwk.get("kty"), jwk.get("alg")
    try:
        if kty == "RSA" and alg in (None, "RS256"):
            return PublicJwk(kid, "RS256", _rsa_key(jwk))
        if kty == "EC" and jwk.get("crv") == "P-256" and alg in (None, "ES256"):
            return PublicJwk(kid, "ES256", _ec_p256_key(jwk))
    except (ValueError, TypeError) as exc:
        logger.warning("bff.auth: ignoring JWK kid=%r: %s", kid, exc)
    return None


def _uint(value: Any) -> int:
    if not isinstance(value, str) or not value:
        raise ValueError("missing key parameter")
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def _rsa_key(jwk: Mapping[str, Any]) -> Any:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicNumbers

    n, e = _uint(jwk.get("n")), _uint(jwk.get("e"))
    if n.bit_length() < MIN_RSA_BITS:
        raise ValueError(f"RSA key of {n.bit_length()} bits is too small")
    return RSAPublicNumbers(e, n).public_key()


def _ec_p256_key(jwk: Mapping[str, Any]) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, EllipticCurvePublicNumbers

    # Raises ValueError when the point is not on the curve (invalid-curve attacks).
    return EllipticCurvePublicNumbers(_uint(jwk.get("x")), _uint(jwk.get("y")), SECP256R1()).public_key()
