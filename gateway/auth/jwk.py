"""One JWK -> a public key bound to the single JWS `alg` it may verify.

Key material is imported by joserfc (which checks the parameters, e.g. that an
EC point lies on its curve); the policy stays here. Binding each key to one
alg is what defeats algorithm confusion: a token is verified only with a key
whose alg equals the token's header alg, so an RSA key can never serve as an
HMAC secret or an EC key, and symmetric (`oct`) keys published in a JWKS are
never used at all. joserfc (and through it `cryptography`) is imported here,
on the first key loaded, not when the gateway starts.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import Any, Mapping

logger = logging.getLogger("bff.auth")

MIN_RSA_BITS = 2048
# The public members of the key types we accept: private members in a published JWKS are dropped.
_PUBLIC_MEMBERS = {"RSA": ("kty", "n", "e"), "EC": ("kty", "crv", "x", "y")}


@dataclass(frozen=True, slots=True)
class PublicJwk:
    kid: str | None
    alg: str  # "RS256" or "ES256"
    key: Any  # a joserfc RSAKey / ECKey holding only the public key


def load_jwk(jwk: Mapping[str, Any]) -> PublicJwk | None:
    """The verification key of a JWK; None for keys we must not or cannot use for RS256/ES256
    (other use, symmetric, unsupported curve or alg, RSA below 2048 bits, bad encoding)."""
    kid = jwk.get("kid")
    if kid is not None and not isinstance(kid, str):
        return None
    if jwk.get("use", "sig") != "sig":
        return None
    ops = jwk.get("key_ops")
    if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
        return None
    kty, alg = jwk.get("kty"), jwk.get("alg")
    if kty == "RSA" and alg in (None, "RS256"):
        bound = "RS256"
    elif kty == "EC" and jwk.get("crv") == "P-256" and alg in (None, "ES256"):
        bound = "ES256"
    else:
        return None
    from joserfc.errors import JoseError, SecurityWarning
    from joserfc.jwk import ECKey, RSAKey

    public: dict[str, str | list[str]] = {}
    try:
        for name in _PUBLIC_MEMBERS[kty]:
            value = jwk.get(name)
            if not isinstance(value, str) or not value:
                raise ValueError("missing key parameter")
            public[name] = value
        with warnings.catch_warnings():  # a short RSA key warns, and is refused just below
            warnings.simplefilter("ignore", SecurityWarning)
            key = (RSAKey if kty == "RSA" else ECKey).import_key(public)
        if kty == "RSA" and key.raw_value.key_size < MIN_RSA_BITS:
            raise ValueError(f"RSA key of {key.raw_value.key_size} bits is too small")
    except (JoseError, ValueError, TypeError) as exc:
        logger.warning("bff.auth: ignoring JWK kid=%r: %s", kid, exc)
        return None
    return PublicJwk(kid, bound, key)
