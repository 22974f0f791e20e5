"""Services verify the gateway-signed identity and enforce the directives themselves."""

from __future__ import annotations

import httpx

from gateway.access.identity import sign_identity

from .conftest import EDITOR, SECRET, SERVER, VIEWER


async def post(url: str, query: str, headers: dict | None = None) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(url, json={"query": query}, headers=headers or {})


async def test_direct_call_without_identity_is_refused(services):
    response = await post(services["accounts"], "{ users { name } }")
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_forged_identity_is_refused(services):
    headers = sign_identity(SERVER, "not-the-secret")
    response = await post(services["accounts"], "{ serverStats }", headers)
    assert response.status_code == 401
    tampered = sign_identity(VIEWER, SECRET)
    tampered["x-bff-principal"] = sign_identity(SERVER, SECRET)["x-bff-principal"]
    tampered["x-bff-timestamp"] = str(int(tampered["x-bff-timestamp"]) - 1)
    assert (await post(services["accounts"], "{ serverStats }", tampered)).status_code == 401


async def test_expired_identity_is_refused(services):
    import time

    headers = sign_identity(SERVER, SECRET, now=time.time() - 3600)
    assert (await post(services["accounts"], "{ serverStats }", headers)).status_code == 401


async def test_service_enforces_directives_itself(services):
    viewer = await post(services["accounts"], "{ serverStats users { salary } }", sign_identity(VIEWER, SECRET))
    body = viewer.json()
    assert body["data"]["serverStats"] is None
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    assert len(body["errors"]) == 3  # serverStats and both salaries
    server = await post(services["accounts"], "{ serverStats }", sign_identity(SERVER, SECRET))
    assert server.json() == {"data": {"serverStats": "42 requests"}}
    editor = await post(services["accounts"], "{ users { salary note } }", sign_identity(EDITOR, SECRET))
    assert editor.json() == {"data": {"users": [{"salary": 10, "note": "n1"}, {"salary": 20, "note": "n2"}]}}


async def test_gateway_drops_client_identity_headers(make_gateway):
    from gateway.request import GraphQLRequest

    gw = make_gateway()
    forged = sign_identity(SERVER, SECRET)  # even a valid-looking header from a client is not trusted
    response = await gw.execute(GraphQLRequest(query="{ serverStats }", headers=forged, principal=VIEWER))
    assert response.body["data"] == {"serverStats": None}
