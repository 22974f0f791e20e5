"""Principals from claims (roles, scopes, viewer vs server), the authorizer-context encoding, and AuthConfig."""

from __future__ import annotations

import pytest

from gateway.auth.authenticate import auth_config_from_env
from gateway.auth.config import AuthConfig
from gateway.auth.context import from_context, principal_from_event, to_context
from gateway.auth.errors import AuthConfigError
from gateway.auth.principal import principal_from_claims
from gateway.auth.server_rule import DEFAULT_SERVER_RULE, ServerRule

DEFAULT = ServerRule.parse(DEFAULT_SERVER_RULE)


def principal(claims, roles_claim="roles", rule=DEFAULT):
    return principal_from_claims(claims, roles_claim=roles_claim, server_rule=rule)


def test_auth0_user_with_namespaced_roles_and_scope():
    p = principal({"sub": "auth0|42", "azp": "web-app", "scope": "read:courses write:reviews",
                   "https://example.com/roles": ["editor", "admin"]}, roles_claim="https://example.com/roles")
    assert (p.kind, p.subject, p.client_name) == ("viewer", "auth0|42", "web-app")
    assert p.roles == {"editor", "admin"}
    assert p.scopes == {"read:courses", "write:reviews"}


def test_cognito_user_groups_and_dotted_paths():
    cognito = {"sub": "abc", "cognito:groups": ["teachers"], "token_use": "access", "username": "alice",
               "client_id": "app123", "scope": "aws.cognito.signin.user.admin"}
    p = principal(cognito, roles_claim="cognito:groups")
    assert (p.kind, p.roles, p.client_name) == ("viewer", {"teachers"}, "app123")
    keycloak = principal({"sub": "k", "realm_access": {"roles": ["ops"]}, "scp": ["a", "b"]}, roles_claim="realm_access.roles")
    assert keycloak.roles == {"ops"} and keycloak.scopes == {"a", "b"}
    assert principal({"sub": "x"}, roles_claim="missing.path").roles == frozenset()


@pytest.mark.parametrize("claims", [
    {"sub": "m2m-client@clients", "gty": "client-credentials", "azp": "m2m-client"},  # Auth0 M2M
    {"sub": "m2m-client@clients"},
    {"sub": "3n4b5ur", "token_use": "access", "client_id": "3n4b5ur", "scope": "graph/read"},  # Cognito client credentials
], ids=["auth0-gty", "auth0-sub", "cognito-client-credentials"])
def test_client_credentials_tokens_are_servers(claims):
    p = principal(claims)
    assert p.kind == "server"


def test_user_tokens_are_viewers_and_rules_are_configurable():
    cognito_user = {"sub": "u", "token_use": "access", "client_id": "app", "username": "alice"}
    assert principal(cognito_user).kind == "viewer"
    assert principal({"sub": "u", "token_use": "id"}).kind == "viewer"
    custom = ServerRule.parse("https://example.com/kind=service & !email")
    assert principal({"sub": "s", "https://example.com/kind": "service"}, rule=custom).kind == "server"
    assert principal({"sub": "s", "https://example.com/kind": "service", "email": "a@b"}, rule=custom).kind == "viewer"
    assert principal({"sub": "svc@clients"}, rule=ServerRule.parse("")).kind == "viewer"
    with pytest.raises(AuthConfigError):
        ServerRule.parse("gty=x & ")


def test_context_round_trip_is_flat_strings():
    p = principal({"sub": "auth0|42", "azp": "web", "scope": "b a", "roles": ["r2", "r1"], "exp": 1})
    context = to_context(p)
    assert all(isinstance(v, str) for v in context.values())
    assert context["roles"] == "r1,r2" and context["scopes"] == "a,b" and context["kind"] == "viewer"
    back = from_context(context)
    assert back == p and back.claims == p.claims
    assert from_context({"principalId": "x"}) is None


def test_principal_from_api_gateway_jwt_and_cognito_authorizers():
    config = AuthConfig(roles_claim="cognito:groups")
    http_jwt = {"requestContext": {"authorizer": {"jwt": {
        "claims": {"sub": "u1", "cognito:groups": "[teachers admins]", "client_id": "app", "username": "u1",
                   "token_use": "access"},
        "scopes": ["graph/read", "graph/write"]}}}}
    p = principal_from_event(http_jwt, config)
    assert p.roles == {"teachers", "admins"} and p.scopes == {"graph/read", "graph/write"} and p.kind == "viewer"
    rest_cognito = {"requestContext": {"authorizer": {"claims": {"sub": "u2", "cognito:groups": "teachers"}}}}
    assert principal_from_event(rest_cognito, config).roles == {"teachers"}
    assert principal_from_event({"requestContext": {}}, config) is None
    assert principal_from_event({"requestContext": {"authorizer": {}}}, config) is None


def test_config_from_env():
    env = {"BFF_JWT_JWKS_URL": "https://tenant.eu.auth0.com/.well-known/jwks.json",
           "BFF_JWT_ISSUER": "https://tenant.eu.auth0.com/", "BFF_JWT_AUDIENCE": "https://api, https://api2",
           "BFF_JWT_ROLES_CLAIM": "https://example.com/roles", "BFF_JWT_LEEWAY": "10"}
    config = auth_config_from_env(env)
    assert config.audiences == ("https://api", "https://api2")
    assert config.leeway == 10 and config.algorithms == {"RS256", "ES256"}
    assert config.verifies and not config.anonymous_allowed
    assert auth_config_from_env({**env, "BFF_ALLOW_ANONYMOUS": "true"}).anonymous_allowed
    assert auth_config_from_env(env, dev=True).anonymous_allowed
    nothing = auth_config_from_env({})
    assert not nothing.verifies and nothing.anonymous_allowed and nothing.algorithms == frozenset()
    assert not auth_config_from_env({"BFF_ALLOW_ANONYMOUS": "false"}).anonymous_allowed


@pytest.mark.parametrize("env", [
    {"BFF_JWT_JWKS_URL": "https://idp/jwks.json", "BFF_JWT_AUDIENCE": "a"},  # no issuer
    {"BFF_JWT_JWKS_URL": "https://idp/jwks.json", "BFF_JWT_ISSUER": "i"},  # no audience
    {"BFF_JWT_JWKS_URL": "http://idp.example.com/jwks.json", "BFF_JWT_ISSUER": "i", "BFF_JWT_AUDIENCE": "a"},
    {"BFF_JWT_HS256_SECRET": "too-short"},
    {"BFF_JWT_LEEWAY": "soon"},
    {"BFF_ALLOW_ANONYMOUS": "maybe"},
    {"BFF_AUTHORIZER_REFUSAL": "teapot"},
], ids=["no-issuer", "no-audience", "plain-http", "short-secret", "bad-leeway", "bad-anonymous", "bad-refusal"])
def test_unusable_config_fails_at_startup(env):
    with pytest.raises(AuthConfigError):
        auth_config_from_env(env)


def test_the_challenge_header_is_printable_ascii_whatever_the_message():
    from gateway.auth.authenticate import www_authenticate
    from gateway.auth.errors import AuthError

    challenge = www_authenticate(AuthError("bad_signature", 'a "quoted"\r\nX-Injected: \u20ac\\'))
    assert challenge == 'Bearer error="invalid_token", error_description="a ?quoted???X-Injected: ??"'
