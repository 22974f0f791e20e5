"""JWT verification against a JWKS served over loopback: what is accepted, and each refusal's reason."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time

import pytest

from gateway.auth import errors as e
from gateway.auth.config import AuthConfig
from gateway.auth.errors import AuthConfigError, AuthError
from gateway.auth.jwk import load_jwk
from gateway.auth.jwks import JwksCache
from gateway.auth.jwt import JwtVerifier, check_signature, parse

from .idp import AUDIENCE, ISSUER, b64url, claims, compact, hs256_token, rsa_key, token

SECRET = b"local-dev-secret-0123456789abcdef!"


def refused(verifier: JwtVerifier, jwt: str) -> str:
    with pytest.raises(AuthError) as info:
        verifier.verify(jwt)
    return info.value.reason


# -- accepted -------------------------------------------------------------------------


def test_rs256_and_es256_tokens_verify_with_one_jwks_fetch(verifier, idp, rsa1, ec1):
    assert verifier.verify(token(rsa1, claims(sub="alice")))["sub"] == "alice"
    assert verifier.verify(token(ec1, claims(sub="bob")))["sub"] == "bob"
    assert verifier.verify(token(rsa1))["iss"] == ISSUER
    assert idp.requests == 1  # the key set is cached


def test_audience_may_be_a_list(verifier, rsa1):
    assert verifier.verify(token(rsa1, claims(aud=["other", AUDIENCE])))
    assert refused(verifier, token(rsa1, claims(aud=["other", "another"]))) == e.WRONG_AUDIENCE


def test_leeway_tolerates_small_clock_skew(verifier, rsa1):
    now = int(time.time())
    assert verifier.verify(token(rsa1, claims(exp=now - 10, nbf=now + 10, iat=now + 10)))


def test_cognito_access_token_names_its_client_in_client_id(verifier, rsa1):
    cognito = claims(aud=None, token_use="access", client_id=AUDIENCE, username="alice")
    assert verifier.verify(token(rsa1, cognito))["username"] == "alice"
    assert refused(verifier, token(rsa1, {**cognito, "client_id": "another-app"})) == e.WRONG_AUDIENCE


def test_rfc7515_examples_verify():
    """Independent vectors (RFC 7515 A.2 RS256, A.3 ES256): our signature check agrees with the spec."""
    rs = ("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19y"
          "b290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5"
          "jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRm"
          "B_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXL"
          "IhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw")
    rs_key = load_jwk({"kty": "RSA", "e": "AQAB", "n": (
        "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZ"
        "S-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2"
        "R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcD"
        "TW9gb54h4FRWyuXpoQ")})
    es = ("eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19y"
          "b290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q")
    es_key = load_jwk({"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                       "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})
    for jwt, key, alg in ((rs, rs_key, "RS256"), (es, es_key, "ES256")):
        parsed = parse(jwt)
        assert parsed.claims == {"iss": "joe", "exp": 1300819380, "http://example.com/is_root": True}
        check_signature(parsed, alg, key, None)  # raises if it does not verify
        head, body, sig = jwt.split(".")
        tampered = parse(f"{head}.{b64url(json.dumps({'iss': 'eve', 'exp': 1300819380}).encode())}.{sig}")
        with pytest.raises(AuthError) as info:
            check_signature(tampered, alg, key, None)
        assert info.value.reason == e.BAD_SIGNATURE


# -- time and identity claims ------------------------------------------------------------


@pytest.mark.parametrize("overrides, reason", [
    ({"exp": int(time.time()) - 31}, e.EXPIRED),
    ({"exp": None}, e.MISSING_CLAIM),
    ({"exp": "tomorrow"}, e.INVALID_CLAIM),
    ({"exp": True}, e.INVALID_CLAIM),
    ({"nbf": int(time.time()) + 86400}, e.NOT_YET_VALID),  # a day: the value is computed at collection
    ({"iat": int(time.time()) + 86400}, e.ISSUED_IN_FUTURE),
    ({"iss": "https://evil.example.com/"}, e.WRONG_ISSUER),
    ({"iss": None}, e.MISSING_CLAIM),
    ({"aud": "https://other-api.example.com"}, e.WRONG_AUDIENCE),
    ({"aud": None}, e.MISSING_CLAIM),
    ({"aud": 42}, e.INVALID_CLAIM),
], ids=["expired", "no-exp", "exp-string", "exp-bool", "not-yet-valid", "issued-in-future",
        "wrong-iss", "no-iss", "wrong-aud", "no-aud", "aud-number"])
def test_claims_refusals(verifier, rsa1, ec1, overrides, reason):
    assert refused(verifier, token(rsa1, claims(**overrides))) == reason
    assert refused(verifier, token(ec1, claims(**overrides))) == reason


def test_leeway_is_configurable(idp, rsa1):
    strict = JwtVerifier(AuthConfig(jwks_url=idp.url, issuer=ISSUER, audiences=(AUDIENCE,), leeway=0))
    assert refused(strict, token(rsa1, claims(exp=int(time.time()) - 2))) == e.EXPIRED


# -- algorithms ------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_unsigned_tokens_are_refused(verifier, alg):
    header = {"alg": alg, "typ": "JWT"}
    assert refused(verifier, compact(header, claims(), b"")) == e.ALG_NONE


def test_hs256_signed_with_the_rsa_public_key_is_refused(verifier, rsa1, idp):
    """Algorithm confusion: the attacker HMACs with the published RSA key as the secret."""
    forged = hs256_token(rsa1.public_pem, claims(sub="admin"), kid=rsa1.kid)
    assert refused(verifier, forged) == e.ALG_NOT_ALLOWED
    jwk_secret = json.dumps(rsa1.jwk).encode()
    assert refused(verifier, hs256_token(jwk_secret, claims(sub="admin"), kid=rsa1.kid)) == e.ALG_NOT_ALLOWED


def test_hs256_confusion_fails_even_with_a_configured_secret(idp, rsa1):
    """With HS256 enabled, only the configured secret verifies HS256: never JWKS material."""
    both = JwtVerifier(AuthConfig(jwks_url=idp.url, issuer=ISSUER, audiences=(AUDIENCE,), hs256_secret=SECRET))
    assert refused(both, hs256_token(rsa1.public_pem, claims(sub="admin"), kid=rsa1.kid)) == e.BAD_SIGNATURE
    assert both.verify(hs256_token(SECRET, claims(sub="dev")))["sub"] == "dev"


@pytest.mark.parametrize("alg", ["RS512", "PS256", "ES384", "HS512", "EdDSA"])
def test_algorithms_not_allowed(verifier, rsa1, alg):
    assert refused(verifier, token(rsa1, alg=alg)) == e.ALG_NOT_ALLOWED


def test_key_type_must_match_the_header_alg(verifier, rsa1, ec1):
    """An ES256 token naming the RSA key's kid (and vice versa) is refused before any signature math."""
    assert refused(verifier, token(ec1, kid=rsa1.kid)) == e.ALG_KEY_MISMATCH
    assert refused(verifier, token(rsa1, kid=ec1.kid)) == e.ALG_KEY_MISMATCH


def test_symmetric_and_weak_keys_in_the_jwks_are_never_used(idp, verifier, rsa1):
    secret = b"published-by-mistake-0123456789ab"
    weak = rsa_key("weak")
    from cryptography.hazmat.primitives.asymmetric import rsa as rsa_mod

    weak.private = rsa_mod.generate_private_key(public_exponent=65537, key_size=1024)
    idp.extra_jwks = [{"kty": "oct", "kid": "hmac", "k": b64url(secret)}, weak.jwk]
    assert refused(verifier, hs256_token(secret, kid="hmac")) == e.ALG_NOT_ALLOWED
    assert refused(verifier, token(rsa1, kid="hmac")) == e.UNKNOWN_KID
    assert refused(verifier, token(weak)) == e.UNKNOWN_KID


def test_unknown_crit_header_is_refused(verifier, rsa1):
    assert refused(verifier, token(rsa1, crit=["exp"], exp=1)) == e.UNSUPPORTED_HEADER


# -- signatures and shapes -------------------------------------------------------------------


def test_tampered_tokens_are_refused(verifier, rsa1, ec1):
    for key in (rsa1, ec1):
        head, _, sig = token(key, claims(sub="alice")).split(".")
        elevated = b64url(json.dumps(claims(sub="alice", roles=["admin"])).encode())
        assert refused(verifier, f"{head}.{elevated}.{sig}") == e.BAD_SIGNATURE
        raw = bytearray(base64.urlsafe_b64decode(sig + "=="))
        raw[-1] ^= 0x01
        assert refused(verifier, f"{head}.{_}.{b64url(bytes(raw))}") == e.BAD_SIGNATURE
        assert refused(verifier, f"{head}.{_}.") == e.BAD_SIGNATURE
    head, body, sig = token(ec1).split(".")
    assert refused(verifier, f"{head}.{body}.{sig[:-4]}") == e.BAD_SIGNATURE  # not 64 bytes


@pytest.mark.parametrize("jwt", [
    "not-a-jwt", "a.b", "a.b.c.d", "!!!.e30.e30",
    b64url(b"not json") + ".e30.e30",
    b64url(b"[1,2]") + ".e30.e30",
    b64url(b'{"alg":"RS256"}') + "." + b64url(b'"a string"') + ".e30",
    b64url(b'{"alg":"RS256"}') + ".e30=.e30",
    b64url(b'{"typ":"JWT"}') + ".e30.e30",
    b64url(b'{"alg":"RS256","kid":7}') + ".e30.e30",
    "x" * 20000,
], ids=["one-part", "two-parts", "four-parts", "bad-base64", "header-not-json", "header-array",
        "payload-string", "padding", "no-alg", "kid-number", "huge"])
def test_malformed_tokens_are_refused(verifier, jwt):
    assert refused(verifier, jwt) == e.MALFORMED_TOKEN


# -- the JWKS cache: unknown kids, rate limit, rotation, TTL, outages ---------------------------


def test_unknown_kid_triggers_one_refresh_then_is_refused(verifier, idp, rsa1, clock):
    stranger = rsa_key("stranger")
    assert refused(verifier, token(stranger)) == e.UNKNOWN_KID
    assert idp.requests == 1  # the first fetch is the lookup: no second fetch right after it
    clock.advance(31)
    assert refused(verifier, token(stranger)) == e.UNKNOWN_KID
    assert idp.requests == 2  # one refresh looking for the kid
    assert refused(verifier, token(stranger)) == e.UNKNOWN_KID
    assert idp.requests == 2


def test_a_flood_of_bogus_kids_costs_one_fetch_per_window(verifier, idp, rsa1, clock):
    assert verifier.verify(token(rsa1))
    clock.advance(31)
    forged = rsa_key("forged")
    for n in range(50):
        assert refused(verifier, token(forged, kid=f"bogus-{n}")) == e.UNKNOWN_KID
    assert idp.requests == 2  # the first bogus kid refreshed; the other 49 were refused from cache
    assert verifier.verify(token(rsa1))  # known keys keep working meanwhile
    clock.advance(30)
    assert refused(verifier, token(forged, kid="bogus-next-window")) == e.UNKNOWN_KID
    assert idp.requests == 3


def test_key_rotation_new_kid_is_accepted_after_one_refresh(verifier, idp, rsa1, rsa2, ec1, clock):
    assert verifier.verify(token(rsa1))
    clock.advance(45)
    idp.keys = [rsa2, ec1]  # the IdP rotated rsa-1 out, rsa-2 in
    assert verifier.verify(token(rsa2, claims(sub="after-rotation")))["sub"] == "after-rotation"
    assert idp.requests == 2
    assert refused(verifier, token(rsa1)) == e.UNKNOWN_KID  # the retired key is gone with the refresh
    assert idp.requests == 2  # ...and looking for it again waits for the window


def test_rotation_inside_the_rate_limit_window_waits_for_the_window(verifier, idp, rsa1, rsa2, ec1, clock):
    assert verifier.verify(token(rsa1))
    idp.keys = [rsa1, rsa2, ec1]
    clock.advance(5)
    assert refused(verifier, token(rsa2)) == e.UNKNOWN_KID
    assert idp.requests == 1
    clock.advance(30)
    assert verifier.verify(token(rsa2))
    assert idp.requests == 2


def test_the_key_set_is_fetched_again_after_its_ttl(verifier, idp, rsa1, clock):
    assert verifier.verify(token(rsa1))
    clock.advance(599)
    assert verifier.verify(token(rsa1))
    assert idp.requests == 1
    clock.advance(2)
    assert verifier.verify(token(rsa1))
    assert idp.requests == 2


def test_idp_outage_keeps_known_keys_and_without_keys_refuses(verifier, idp, rsa1, clock):
    idp.status = 503
    assert refused(verifier, token(rsa1)) == e.JWKS_UNAVAILABLE
    assert refused(verifier, token(rsa1)) == e.JWKS_UNAVAILABLE
    assert idp.requests == 1  # retries are rate-limited too
    idp.status = 200
    clock.advance(30)
    assert verifier.verify(token(rsa1))
    idp.status = 503
    clock.advance(601)  # stale, and the refresh fails: the cached keys still verify
    assert verifier.verify(token(rsa1))
    assert idp.requests == 3


def test_token_without_kid_uses_the_only_key_of_its_alg(idp, config, rsa1, ec1):
    idp.keys = [rsa1, rsa_key("rsa-other"), ec1]
    verifier = JwtVerifier(config)
    assert verifier.verify(token(ec1, kid=None))  # one EC key: unambiguous
    assert refused(verifier, token(rsa1, kid=None)) == e.MISSING_KID  # two RSA keys: ambiguous


async def test_async_path_shares_one_fetch_between_concurrent_requests(config, idp, rsa1, rsa2, ec1, clock):
    verifier = JwtVerifier(config, jwks=JwksCache(config.jwks_url, clock=clock))
    results = await asyncio.gather(*(verifier.averify(token(rsa1, claims(sub=f"u{n}"))) for n in range(20)))
    assert [r["sub"] for r in results] == [f"u{n}" for n in range(20)]
    assert idp.requests == 1
    clock.advance(31)
    idp.keys = [rsa1, rsa2, ec1]
    results = await asyncio.gather(*(verifier.averify(token(rsa2)) for _ in range(20)))
    assert len(results) == 20 and idp.requests == 2  # one refresh served all twenty rotated tokens
    with pytest.raises(AuthError) as info:
        await verifier.averify(token(rsa_key("nope")))
    assert info.value.reason == e.UNKNOWN_KID and idp.requests == 2


# -- HS256 for local use --------------------------------------------------------------------------


def test_hs256_only_with_a_configured_secret():
    local = JwtVerifier(AuthConfig(hs256_secret=SECRET))
    assert local.verify(hs256_token(SECRET, claims(sub="dev")))["sub"] == "dev"
    assert refused(local, hs256_token(b"another-secret-0123456789abcdefgh")) == e.BAD_SIGNATURE
    assert refused(local, token(rsa_key())) == e.ALG_NOT_ALLOWED
    with pytest.raises(AuthConfigError):
        AuthConfig(hs256_secret=b"short")


def test_hmac_compare_uses_the_whole_signature():
    local = JwtVerifier(AuthConfig(hs256_secret=SECRET))
    jwt = hs256_token(SECRET)
    head, body, _ = jwt.split(".")
    truncated = hmac.new(SECRET, f"{head}.{body}".encode(), hashlib.sha256).digest()[:16]
    assert refused(local, f"{head}.{body}.{b64url(truncated)}") == e.BAD_SIGNATURE


# -- a slow IdP delays only the tokens that need its answer ------------------------------------------


async def test_a_known_kid_is_answered_while_an_unknown_kid_waits_for_a_slow_jwks(config, idp, rsa1, clock):
    verifier = JwtVerifier(config, jwks=JwksCache(config.jwks_url, clock=clock))
    assert await verifier.averify(token(rsa1))
    clock.advance(31)  # a refresh is allowed again
    idp.delay = 1.5
    unknown = asyncio.ensure_future(verifier.averify(token(rsa_key("rotated-in"))))
    while idp.requests < 2:  # the refresh for the unknown kid is now in flight
        await asyncio.sleep(0.01)
    start = time.perf_counter()
    assert (await verifier.averify(token(rsa1, claims(sub="known"))))["sub"] == "known"
    assert time.perf_counter() - start < 0.5 and not unknown.done()
    with pytest.raises(AuthError) as info:
        await unknown
    assert info.value.reason == e.UNKNOWN_KID and idp.requests == 2


async def test_a_stale_key_set_is_refreshed_in_the_background(config, idp, rsa1, rsa2, ec1, clock):
    verifier = JwtVerifier(config, jwks=JwksCache(config.jwks_url, clock=clock))
    assert await verifier.averify(token(rsa1))
    clock.advance(601)  # past the TTL
    idp.delay, idp.keys = 0.5, [rsa1, rsa2, ec1]
    start = time.perf_counter()
    assert await verifier.averify(token(rsa1))  # served from the stale set; the refresh runs meanwhile
    assert time.perf_counter() - start < 0.3
    assert (await verifier.averify(token(rsa2)))["sub"]  # a new kid joins the refresh in flight
    assert idp.requests == 2
