"""End to end: the gateway's ASGI app under uvicorn on loopback, and its Lambda handler, in front of a
real Gateway over a strawberry subgraph. Who the caller is reaches `GraphQLRequest.principal`."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import strawberry
from strawberry.asgi import GraphQL
from strawberry.federation import Schema

from bff_common.principal import Principal
from gateway.auth import authorizer
from gateway.auth.authenticate import Authenticator
from gateway.auth.config import AuthConfig
from gateway.config import GatewayConfig
from gateway.gateway import Gateway
from gateway.http import lambda_handler
from gateway.http.asgi import create_app
from gateway.request import GraphQLRequest, GraphQLResponse
from tests.support.asgi_server import serve_in_thread
from tests.support.compose import compose

from .events import gateway_http_api_event, gateway_rest_event, http_api_authorizer_event, rest_token_event
from .idp import AUDIENCE, ISSUER, b64url, claims, compact, hs256_token, rsa_key, token

GRJ = "application/graphql-response+json"
QUERY = "{ course(id: \"c1\") { id title } }"


@strawberry.federation.type(keys=["id"])
class Course:
    id: strawberry.ID
    title: str


@strawberry.type
class Query:
    @strawberry.field
    def course(self, id: strawberry.ID) -> Course | None:
        return Course(id=id, title="Federation 101")


SCHEMA = Schema(query=Query, federation_version="2.7")


class Recording:
    """The real Gateway, remembering the principal of each request it executes."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.principals: list[Principal | None] = []

    async def execute(self, request: GraphQLRequest) -> GraphQLResponse:
        self.principals.append(request.principal)
        return await self.gateway.execute(request)

    async def aclose(self) -> None:
        await self.gateway.aclose()


@pytest.fixture(scope="module")
def supergraph() -> Iterator[str]:
    if not shutil.which("node") or not os.path.isdir("tests/node/node_modules"):
        from tests.support.requires import missing

        missing("node and tests/node/node_modules are needed; run scripts/test")
    with serve_in_thread(GraphQL(SCHEMA), health_path=None) as subgraph:
        yield compose([{"name": "catalog", "url": subgraph.graphql_url, "sdl": SCHEMA.as_str()}])


@pytest.fixture
def serve(supergraph):
    """serve(auth) -> (base URL, Recording): the gateway app under uvicorn with that Authenticator."""
    with contextlib.ExitStack() as stack:
        def start(auth: Authenticator | None) -> tuple[str, Recording]:
            recording = Recording(Gateway(supergraph))
            server = stack.enter_context(serve_in_thread(create_app(recording, GatewayConfig(), auth)))
            return server.graphql_url, recording

        yield start


def jwks_auth(idp, **overrides) -> Authenticator:
    return Authenticator(AuthConfig(jwks_url=idp.url, issuer=ISSUER, audiences=(AUDIENCE,), **overrides))


def post(url: str, authorization: str | None = None, accept: str = "application/json") -> httpx.Response:
    headers = {"accept": accept}
    if authorization is not None:
        headers["authorization"] = authorization
    return httpx.post(url, json={"query": QUERY}, headers=headers, timeout=10)


# -- local: uvicorn verifies the Bearer token --------------------------------------------------


def test_valid_tokens_reach_the_gateway_with_their_principal(serve, idp, rsa1, ec1):
    url, recording = serve(jwks_auth(idp, roles_claim="https://example.com/roles"))
    user = token(rsa1, claims(sub="auth0|alice", **{"https://example.com/roles": ["teacher"]}))
    response = post(url, f"Bearer {user}")
    assert response.status_code == 200
    assert response.json() == {"data": {"course": {"id": "c1", "title": "Federation 101"}}}
    service = token(ec1, claims(sub="billing@clients", gty="client-credentials", azp="billing", scope="graph:read"))
    get = httpx.get(url, params={"query": QUERY}, headers={"authorization": f"bearer {service}"}, timeout=10)
    assert get.status_code == 200 and get.json()["data"]["course"]["title"] == "Federation 101"
    viewer, server = recording.principals
    assert (viewer.kind, viewer.subject, viewer.roles, viewer.scopes) == \
        ("viewer", "auth0|alice", {"teacher"}, {"read:courses", "write:reviews"})
    assert (server.kind, server.client_name, server.scopes) == ("server", "billing", {"graph:read"})
    assert idp.requests == 1


def test_missing_token_is_401_without_an_error_code(serve, idp):
    url, recording = serve(jwks_auth(idp))
    response = post(url, accept=GRJ)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(GRJ)
    assert response.headers["www-authenticate"] == "Bearer"
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert recording.principals == []  # the gateway never saw it


def test_invalid_tokens_are_401_invalid_token(serve, idp, rsa1):
    url, recording = serve(jwks_auth(idp, allow_anonymous=True))  # anonymous allowed, bad tokens still refused
    now = int(time.time())
    head, body, sig = token(rsa1).split(".")
    forged_body = b64url(json.dumps(claims(sub="admin")).encode())
    cases = {
        "expired": f"Bearer {token(rsa1, claims(exp=now - 120))}",
        "not yet valid": f"Bearer {token(rsa1, claims(nbf=now + 600))}",
        "wrong aud": f"Bearer {token(rsa1, claims(aud='https://other-api'))}",
        "wrong iss": f"Bearer {token(rsa1, claims(iss='https://evil/'))}",
        "alg none": f"Bearer {compact({'alg': 'none'}, claims(), b'')}",
        "hs256 confusion": f"Bearer {hs256_token(rsa1.public_pem, kid=rsa1.kid)}",
        "tampered": f"Bearer {head}.{forged_body}.{sig}",
        "malformed": "Bearer abc.def",
        "not bearer": f"Basic {base64.b64encode(b'user:pass').decode()}",
    }
    for name, authorization in cases.items():
        response = post(url, authorization)
        assert response.status_code == 401, name
        assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"'), name
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", name
    assert recording.principals == []
    assert post(url).status_code == 200
    assert recording.principals == [Principal("anonymous")]


# Header algs that broke the response when echoed into WWW-Authenticate: CR/LF (header injection; h11 drops
# the connection) and characters outside Latin-1 (a 500 with a traceback).
HOSTILE_ALGS = ["RS256\r\nX-Injected: yes", "RS256\n", "ES256\u2028", "\u00c4LG\u20ac", "none\r\n"]


def hostile_tokens(rsa1) -> list[str]:
    return [token(rsa1, alg=alg) for alg in HOSTILE_ALGS] + [token(rsa1, kid="k\r\nX-Injected: yes\u20ac")]


def assert_clean_401(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert "x-injected" not in response.headers
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer error="invalid_token"') and challenge.isascii() and challenge.isprintable()
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"} and "\u20ac" not in error["message"]


def test_nothing_from_a_token_is_reflected_under_uvicorn(serve, idp, rsa1):
    url, recording = serve(jwks_auth(idp))
    for jwt in hostile_tokens(rsa1):
        assert_clean_401(post(url, f"Bearer {jwt}"))
    assert post(url, f"Bearer {token(rsa1)}").status_code == 200  # and the server still serves everyone else


async def test_nothing_from_a_token_is_reflected_by_the_asgi_app(supergraph, idp, rsa1):
    gateway = Gateway(supergraph)
    app = create_app(gateway, GatewayConfig(), jwks_auth(idp))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
            for jwt in hostile_tokens(rsa1):
                assert_clean_401(await client.post("/graphql", json={"query": QUERY},
                                                   headers={"authorization": f"Bearer {jwt}"}))
    finally:
        await gateway.aclose()


def test_a_slow_jwks_refresh_does_not_hold_up_known_keys(serve, idp, rsa1):
    """An unknown kid makes the gateway fetch the JWKS from a slow IdP; a token with a known kid sent
    meanwhile is answered at once."""
    url, _ = serve(jwks_auth(idp, jwks_min_refresh_interval=0))
    assert post(url, f"Bearer {token(rsa1)}").status_code == 200
    idp.delay = 2.0
    unknown: list[httpx.Response] = []
    waiting = threading.Thread(target=lambda: unknown.append(post(url, f"Bearer {token(rsa_key('new-key'))}")))
    waiting.start()
    deadline = time.monotonic() + 5
    while idp.requests < 2 and time.monotonic() < deadline:  # the refresh is in flight
        time.sleep(0.01)
    start = time.perf_counter()
    assert post(url, f"Bearer {token(rsa1)}").status_code == 200
    assert time.perf_counter() - start < 1.0 and not unknown
    waiting.join(10)
    assert unknown[0].status_code == 401 and idp.requests == 2


def test_hs256_for_local_development(serve):
    secret = b"bff-dev-secret-0123456789abcdef!!"
    url, recording = serve(Authenticator(AuthConfig(hs256_secret=secret)))
    assert post(url, f"Bearer {hs256_token(secret, claims(sub='dev'))}").status_code == 200
    assert recording.principals[0].subject == "dev"
    assert post(url).status_code == 401  # a verifier is configured: anonymous is refused by default


def test_without_auth_configuration_requests_are_anonymous_and_a_warning_is_logged(serve, monkeypatch, caplog):
    for name in list(os.environ):
        if name.startswith(("BFF_JWT_", "BFF_ALLOW_ANONYMOUS")):
            monkeypatch.delenv(name)
    with caplog.at_level(logging.WARNING, logger="bff.auth"):
        url, recording = serve(None)  # create_app reads the (empty) environment
    assert [r.getMessage() for r in caplog.records if "no JWT verification configured" in r.getMessage()]
    assert post(url, "Bearer whatever-was-sent-before").status_code == 200
    assert post(url).status_code == 200
    assert recording.principals == [Principal("anonymous"), Principal("anonymous")]


# -- Lambda: the principal comes from the authorizer's context in the event ---------------------


def invoke(*events: dict) -> list[dict]:
    """Like one Lambda container: one thread with its own event loop, events in order."""
    results: list[dict] = []
    failure: list[BaseException] = []

    def container() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            for event in events:
                results.append(lambda_handler.handler(event, None))
        except BaseException as exc:
            failure.append(exc)
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    thread = threading.Thread(target=container)
    thread.start()
    thread.join(30)
    if failure:
        raise failure[0]
    return results


@pytest.fixture
def lambda_gateway(supergraph, idp, monkeypatch) -> Recording:
    """A fresh gateway Lambda container, configured like production (anonymous refused)."""
    monkeypatch.setenv("BFF_JWT_JWKS_URL", idp.url)
    monkeypatch.setenv("BFF_JWT_ISSUER", ISSUER)
    monkeypatch.setenv("BFF_JWT_AUDIENCE", AUDIENCE)
    monkeypatch.delenv("BFF_ALLOW_ANONYMOUS", raising=False)
    recording = Recording(Gateway(supergraph))
    monkeypatch.setattr(lambda_handler, "_handler", None)
    monkeypatch.setattr(lambda_handler, "_gateway_factory", lambda: recording)
    authorizer.configure(Authenticator(AuthConfig(jwks_url=idp.url, issuer=ISSUER, audiences=(AUDIENCE,))))
    yield recording
    authorizer.configure(None)


def test_lambda_behind_an_http_api_authorizer(lambda_gateway, idp, rsa1):
    jwt = token(rsa1, claims(sub="auth0|carol", roles=["admin"]))
    decision = authorizer.handler(http_api_authorizer_event(f"Bearer {jwt}"), None)
    assert decision["isAuthorized"]
    # API Gateway forwards the request without re-sending the token to be checked: the context says who it is.
    [result] = invoke(gateway_http_api_event(QUERY, authorizer_context=decision["context"]))
    assert result["statusCode"] == 200
    assert json.loads(result["body"])["data"]["course"]["id"] == "c1"
    [principal] = lambda_gateway.principals
    assert (principal.kind, principal.subject, principal.roles) == ("viewer", "auth0|carol", {"admin"})
    assert principal.claims["sub"] == "auth0|carol"
    assert idp.requests == 1  # only the authorizer fetched keys; the gateway verified nothing


def test_lambda_behind_a_rest_token_authorizer(lambda_gateway, ec1):
    jwt = token(ec1, claims(sub="billing@clients", gty="client-credentials", azp="billing", scope="a b"))
    policy = authorizer.handler(rest_token_event(f"Bearer {jwt}"), None)
    # REST puts the context at requestContext.authorizer, next to principalId and the latency it measured.
    context = {**policy["context"], "principalId": policy["principalId"], "integrationLatency": 42}
    [result] = invoke(gateway_rest_event(QUERY, authorizer=context))
    assert result["statusCode"] == 200
    [principal] = lambda_gateway.principals
    assert (principal.kind, principal.subject, principal.client_name, principal.scopes) == \
        ("server", "billing@clients", "billing", {"a", "b"})


def test_lambda_without_an_authorizer_verifies_the_token_itself(lambda_gateway, rsa1):
    good = token(rsa1, claims(sub="dave"))
    expired = token(rsa1, claims(exp=int(time.time()) - 120))
    ok, bad, missing = invoke(
        gateway_http_api_event(QUERY, authorizer_context=None, authorization=f"Bearer {good}"),
        gateway_http_api_event(QUERY, authorizer_context=None, authorization=f"Bearer {expired}"),
        gateway_http_api_event(QUERY, authorizer_context=None),
    )
    assert ok["statusCode"] == 200 and lambda_gateway.principals[0].subject == "dave"
    assert bad["statusCode"] == 401 and bad["headers"]["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert json.loads(bad["body"])["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert missing["statusCode"] == 401 and missing["headers"]["www-authenticate"] == "Bearer"
    assert len(lambda_gateway.principals) == 1
