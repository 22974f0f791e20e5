"""The example graph's access model, end to end through the gateway over the real services:
public catalog, viewer-only fields (own e-mail, own enrollments, `enroll` only as oneself,
`me` from the token), role fields, and server-only fields."""

from __future__ import annotations

import pytest
from service_identity import SECRET

from bff_common.principal import Principal
from gateway.config import GatewayConfig
from gateway.gateway import Gateway
from gateway.request import GraphQLRequest
from services.compose_examples import SUPERGRAPH_PATH
from services.enrollments import data
from services.policies import EXAMPLE_POLICIES

ANON = Principal("anonymous")
U7 = Principal("viewer", subject="u7", roles=frozenset({"student"}))
ADMIN = Principal("viewer", subject="u1", roles=frozenset({"student", "admin"}))
INSTRUCTOR = Principal("viewer", subject="u2", roles=frozenset({"student", "instructor"}))
SERVER = Principal("server", subject="mailer", client_name="mailer")


@pytest.fixture
async def gateway(servers):
    config = GatewayConfig(subgraph_urls={n: s.graphql_url for n, s in servers.items()}, identity_secret=SECRET,
                           access_policies=EXAMPLE_POLICIES)
    gw = Gateway(SUPERGRAPH_PATH.read_text(), config)
    yield gw
    await gw.aclose()


async def ask(gw: Gateway, query: str, principal: Principal) -> dict:
    return (await gw.execute(GraphQLRequest(query=query, principal=principal))).body


def codes(body: dict) -> dict[tuple, str]:
    return {tuple(e["path"]): e["extensions"]["code"] for e in body.get("errors", ())}


async def test_public_catalog_for_anyone(gateway):
    body = await ask(gateway, "{ courses { title instructor { name roles } averageRating enrollmentCount } }", ANON)
    assert "errors" not in body and len(body["data"]["courses"]) == 10


async def test_me_comes_from_the_token(gateway):
    body = await ask(gateway, "{ me { id email enrollments { course { title } } } }", U7)
    me = body["data"]["me"]
    assert "errors" not in body and me["email"].endswith("@example.com") and me["enrollments"]
    anonymous = await ask(gateway, "{ me { id } }", ANON)
    assert anonymous["data"] == {"me": None} and codes(anonymous) == {("me",): "UNAUTHENTICATED"}


async def test_a_viewer_reads_only_their_own_email_and_enrollments(gateway):
    body = await ask(gateway, '{ a: user(id: "u7") { email enrollments { id } } b: user(id: "u8") { email enrollments { id } } }', U7)
    assert body["data"]["a"]["email"] and body["data"]["a"]["enrollments"]
    assert body["data"]["b"] == {"email": None, "enrollments": None}
    assert codes(body) == {("b", "email"): "FORBIDDEN", ("b", "enrollments"): "FORBIDDEN"}
    admin = await ask(gateway, '{ user(id: "u8") { email enrollments { id } } }', ADMIN)
    assert "errors" not in admin and admin["data"]["user"]["email"]


async def test_enroll_only_as_oneself(gateway):
    data.reset()
    try:
        other = await ask(gateway, 'mutation { enroll(userId: "u8", courseId: "c10") { id } }', U7)
        assert other["data"] == {"enroll": None} and codes(other) == {("enroll",): "FORBIDDEN"}
        own = await ask(gateway, 'mutation { enroll(userId: "u7", courseId: "c10") { id course { title } } }', U7)
        assert "errors" not in own and own["data"]["enroll"]["id"]
        anonymous = await ask(gateway, 'mutation { enroll(userId: "u7", courseId: "c9") { id } }', ANON)
        assert codes(anonymous) == {("enroll",): "UNAUTHENTICATED"}
    finally:
        data.reset()


async def test_role_fields(gateway):
    query = '{ course(id: "c1") { students { id } } }'
    assert codes(await ask(gateway, query, U7)) == {("course", "students"): "FORBIDDEN"}
    assert (await ask(gateway, query, INSTRUCTOR))["data"]["course"]["students"]
    assert codes(await ask(gateway, "{ enrollments { id } }", INSTRUCTOR)) == {("enrollments",): "FORBIDDEN"}
    assert len((await ask(gateway, "{ enrollments { id } }", ADMIN))["data"]["enrollments"]) == 40


async def test_server_only_fields(gateway):
    query = '{ userByEmail(email: "ada.lovelace@example.com") { id } }'
    assert (await ask(gateway, query, SERVER)) == {"data": {"userByEmail": {"id": "u1"}}}
    assert codes(await ask(gateway, query, ADMIN)) == {("userByEmail",): "FORBIDDEN"}
