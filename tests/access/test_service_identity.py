"""Services verify the gateway-signed identity and enforce the directives themselves. A signature
is bound to the service, the method, the body and a 30 s window: each replay below is refused."""

from __future__ import annotations

import time

import httpx
import orjson

from bff_common.identity import sign_identity

from .conftest import EDITOR, SECRET, SERVER, VIEWER


def signed(principal, query: str, service: str = "accounts", **kw) -> tuple[bytes, dict]:
    body = orjson.dumps({"query": query})
    return body, sign_identity(principal, SECRET, service=service, body=body, **kw)


async def post(url: str, body: bytes, headers: dict | None = None) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(url, content=body, headers={"content-type": "application/json", **(headers or {})})


async def test_direct_call_without_identity_is_refused(services):
    response = await post(services["accounts"], orjson.dumps({"query": "{ users { name } }"}))
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_forged_identity_is_refused(services):
    body = orjson.dumps({"query": "{ serverStats }"})
    headers = sign_identity(SERVER, "not-the-secret", service="accounts", body=body)
    assert (await post(services["accounts"], body, headers)).status_code == 401
    _, tampered = signed(VIEWER, "{ serverStats }")
    tampered["x-bff-principal"] = signed(SERVER, "{ serverStats }")[1]["x-bff-principal"]
    assert (await post(services["accounts"], body, tampered)).status_code == 401


async def test_valid_identity_is_accepted(services):
    body, headers = signed(SERVER, "{ serverStats }")
    response = await post(services["accounts"], body, headers)
    assert response.json() == {"data": {"serverStats": "42 requests"}}


async def test_replay_later_is_refused(services):
    body, headers = signed(SERVER, "{ serverStats }", now=time.time() - 31)
    response = await post(services["accounts"], body, headers)
    assert response.status_code == 401 and "expired" in response.json()["errors"][0]["message"]


async def test_replay_to_another_service_is_refused(services):
    body, headers = signed(SERVER, "{ reviewCount }", service="accounts")  # captured on its way to accounts
    response = await post(services["reviews"], body, headers)
    assert response.status_code == 401
    ok = await post(services["reviews"], *signed(SERVER, "{ reviewCount }", service="reviews"))
    assert ok.json() == {"data": {"reviewCount": 2}}


async def test_replay_with_another_query_is_refused(services):
    _, headers = signed(VIEWER, "{ users { name } }")  # captured with a harmless query
    response = await post(services["accounts"], orjson.dumps({"query": "{ users { email salary } }"}), headers)
    assert response.status_code == 401


async def test_replay_over_get_is_refused(services):
    query = "{ users { name } }"
    _, headers = signed(VIEWER, query)
    async with httpx.AsyncClient() as client:
        response = await client.get(services["accounts"], params={"query": query}, headers=headers)
    assert response.status_code == 401


async def test_service_enforces_directives_itself(services):
    viewer = await post(services["accounts"], *signed(VIEWER, "{ serverStats users { salary } }"))
    body = viewer.json()
    assert body["data"]["serverStats"] is None
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    assert len(body["errors"]) == 3  # serverStats and both salaries
    editor = await post(services["accounts"], *signed(EDITOR, "{ users { salary note } }", verdicts={"staff": True}))
    assert editor.json() == {"data": {"users": [{"salary": 10, "note": "n1"}, {"salary": 20, "note": "n2"}]}}
    # Without the gateway's verdict the service denies the policy.
    unsigned = await post(services["accounts"], *signed(EDITOR, "{ users { note } }"))
    assert {e["extensions"]["code"] for e in unsigned.json()["errors"]} == {"FORBIDDEN"}


async def test_gateway_drops_client_identity_headers(make_gateway):
    from gateway.request import GraphQLRequest

    gw = make_gateway()
    forged = signed(SERVER, "{ serverStats }")[1]  # even a valid-looking header from a client is not trusted
    response = await gw.execute(GraphQLRequest(query="{ serverStats }", headers=forged, principal=VIEWER))
    assert response.body["data"] == {"serverStats": None}
