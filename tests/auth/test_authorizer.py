"""The Lambda authorizer handlers, invoked with API Gateway's event shapes."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from gateway.auth import authorizer
from gateway.auth.authenticate import Authenticator
from gateway.auth.config import AuthConfig

from .events import REST_METHOD_ARN, http_api_authorizer_event, rest_request_event, rest_token_event
from .idp import AUDIENCE, ISSUER, claims, token


@pytest.fixture
def configure(idp):
    """Point the module's authenticator at the local IdP (as BFF_JWT_* would), reset afterwards."""

    def apply(**overrides) -> AuthConfig:
        config = AuthConfig(jwks_url=idp.url, issuer=ISSUER, audiences=(AUDIENCE,), **overrides)
        authorizer.configure(Authenticator(config))
        return config

    yield apply
    authorizer.configure(None)


def test_http_api_allows_a_valid_token_with_the_principal_in_context(configure, rsa1):
    configure()
    jwt = token(rsa1, claims(sub="auth0|alice", roles=["teacher", "admin"], scope="read:courses"))
    result = authorizer.handler(http_api_authorizer_event(f"Bearer {jwt}"), None)
    assert result["isAuthorized"] is True
    context = result["context"]
    assert (context["kind"], context["sub"], context["roles"], context["scopes"]) == \
        ("viewer", "auth0|alice", "admin,teacher", "read:courses")


def test_http_api_refusals_carry_the_reason(configure, rsa1):
    configure()
    expired = token(rsa1, claims(exp=int(time.time()) - 3600))
    cases = {
        None: "missing_token",
        f"Bearer {expired}": "expired",
        f"Basic {expired}": "invalid_authorization_header",
        "Bearer not.a.jwt": "malformed_token",
    }
    for authorization, reason in cases.items():
        result = authorizer.http_api_handler(http_api_authorizer_event(authorization), None)
        assert result == {"isAuthorized": False, "context": {"reason": reason}}, authorization


def test_http_api_anonymous_when_allowed_but_bad_tokens_still_refused(configure, rsa1):
    configure(allow_anonymous=True)
    assert authorizer.handler(http_api_authorizer_event(None), None) == \
        {"isAuthorized": True, "context": {"kind": "anonymous", "roles": "", "scopes": ""}}
    wrong_aud = token(rsa1, claims(aud="https://other"))
    assert authorizer.handler(http_api_authorizer_event(f"Bearer {wrong_aud}"), None)["isAuthorized"] is False


def test_rest_token_authorizer_returns_an_allow_policy_on_the_method_arn(configure, ec1):
    configure()
    jwt = token(ec1, claims(sub="svc@clients", gty="client-credentials", azp="billing", scope="graph:read graph:write"))
    result = authorizer.handler(rest_token_event(f"Bearer {jwt}"), None)
    assert result["principalId"] == "svc@clients"
    assert result["policyDocument"] == {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": REST_METHOD_ARN}]}
    context = result["context"]
    assert all(isinstance(v, (str, int, float, bool)) for v in context.values())  # REST's rule for context values
    assert (context["kind"], context["clientName"], context["scopes"]) == ("server", "billing", "graph:read,graph:write")


def test_rest_refusal_is_401_by_default_or_an_explicit_deny(configure, rsa1):
    configure()
    forged = token(rsa1, claims(iss="https://evil.example.com/"))
    with pytest.raises(authorizer.Unauthorized) as info:
        authorizer.rest_handler(rest_token_event(f"Bearer {forged}"), None)
    assert str(info.value) == "Unauthorized"  # the exact message API Gateway turns into 401
    configure(rest_refusal="deny")
    result = authorizer.rest_handler(rest_token_event(f"Bearer {forged}"), None)
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert result["policyDocument"]["Statement"][0]["Resource"] == REST_METHOD_ARN
    assert result["context"] == {"reason": "wrong_issuer"}


def test_rest_request_authorizer_reads_the_header_in_any_case(configure, rsa1):
    configure()
    result = authorizer.handler(rest_request_event(f"Bearer {token(rsa1, claims(sub='bob'))}"), None)
    assert result["policyDocument"]["Statement"][0]["Effect"] == "Allow" and result["principalId"] == "bob"
    with pytest.raises(authorizer.Unauthorized):
        authorizer.handler(rest_request_event(None), None)


def test_warm_invocations_reuse_the_cached_jwks(configure, idp, rsa1):
    configure()
    for n in range(5):
        assert authorizer.handler(http_api_authorizer_event(f"Bearer {token(rsa1, claims(sub=f'u{n}'))}"), None)["isAuthorized"]
    assert idp.requests == 1


def test_handler_refuses_events_it_does_not_know(configure):
    configure()
    with pytest.raises(ValueError):
        authorizer.handler({"Records": []}, None)


def test_configured_from_the_environment(monkeypatch, idp, rsa1):
    monkeypatch.setenv("BFF_JWT_JWKS_URL", idp.url)
    monkeypatch.setenv("BFF_JWT_ISSUER", ISSUER)
    monkeypatch.setenv("BFF_JWT_AUDIENCE", AUDIENCE)
    monkeypatch.setenv("BFF_JWT_ROLES_CLAIM", "https://example.com/roles")
    authorizer.configure(None)
    try:
        jwt = token(rsa1, claims(**{"https://example.com/roles": ["editor"]}))
        assert authorizer.handler(http_api_authorizer_event(f"Bearer {jwt}"), None)["context"]["roles"] == "editor"
    finally:
        authorizer.configure(None)


def test_the_authorizer_imports_no_gateway_runtime():
    """The authorizer Lambda loads only gateway.auth: no graphql, mangum, uvicorn, and crypto only when verifying."""
    code = ("import sys, gateway.auth.authorizer; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'graphql','mangum','uvicorn','cryptography','asyncio','orjson'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
