"""Who may subscribe and what each event carries: credentials from connection_init (or the handshake, or the SSE
request), a token that expires during a subscription, access rules re-applied per event, and an event that does not
match the schema."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
from websockets.asyncio.client import connect

from tests.auth.idp import AUDIENCE, ISSUER, claims, hs256_token
from tests.realtime import subgraphs
from tests.realtime.conftest import ws_url
from tests.realtime.test_protocol import PROTOCOL, TICKS, _closed_with, _messages, _wait

SECRET = b"realtime-tests-secret-0123456789abcdef"


def _auth() -> Any:
    from gateway.auth.authenticate import Authenticator
    from gateway.auth.config import AuthConfig

    return Authenticator(AuthConfig(hs256_secret=SECRET, issuer=ISSUER, audiences=(AUDIENCE,),
                                    allow_anonymous=False))


async def _init(server: Any, payload: dict | None, headers: dict | None = None) -> Any:
    ws = await connect(ws_url(server), subprotocols=PROTOCOL, additional_headers=headers)  # type: ignore[arg-type]
    await ws.send(json.dumps({"type": "connection_init", **({"payload": payload} if payload is not None else {})}))
    return ws


async def test_credentials_from_connection_init_or_handshake(tick_gateway: Any) -> None:
    with tick_gateway(auth=_auth()) as (server, _):
        good = hs256_token(SECRET)
        for payload, headers in (({"Authorization": f"Bearer {good}"}, None),
                                 ({"headers": {"authorization": f"Bearer {good}"}}, None),
                                 (None, {"Authorization": f"Bearer {good}"})):
            ws = await _init(server, payload, headers)
            assert json.loads(await ws.recv()) == {"type": "connection_ack"}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": TICKS}}))
            assert [m["type"] for m in await _messages(ws, "complete")] == ["next", "next", "next", "complete"]
            await ws.close()
        ws = await _init(server, None)
        assert await _closed_with(ws) == (4403, "Forbidden: Authentication required: send an access token as "
                                                "Authorization: Bearer <token>.")
        ws = await _init(server, {"Authorization": f"Bearer {hs256_token(b'another-secret-0123456789abcdefgh')}"})
        code, reason = await _closed_with(ws)
        assert code == 4403 and reason.startswith("Forbidden:")
        # SSE: the request's own Authorization header; refused with 401 like any HTTP request.
        refused = httpx.post(f"{server.base_url}/graphql", json={"query": TICKS},
                             headers={"accept": "text/event-stream"})
        assert refused.status_code == 401 and refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        accepted = httpx.post(f"{server.base_url}/graphql", json={"query": TICKS},
                              headers={"accept": "text/event-stream", "authorization": f"Bearer {good}"})
        assert accepted.status_code == 200 and accepted.text.count("event: next") == 3


async def test_token_expiring_during_the_subscription_ends_it(tick_gateway: Any) -> None:
    with tick_gateway(auth=_auth()) as (server, _):
        short = hs256_token(SECRET, claims(exp=int(time.time()) + 2))
        ws = await _init(server, {"Authorization": f"Bearer {short}"})
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": "subscription { ticks(intervalMs: 200) { n } }"}}))
        messages = await asyncio.wait_for(_messages(ws, "complete"), 10)
        assert messages[0]["type"] == "next"
        assert messages[-1]["type"] == "error"
        assert messages[-1]["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        await _wait(lambda: subgraphs.ACTIVE["ticks"] == 0, "the subgraph stream to close")
        await ws.close()


async def test_a_token_that_expired_on_an_open_socket_starts_no_more_operations(tick_gateway: Any) -> None:
    """The token is verified once, at connection_init: after it expired, a query or a subscription sent on
    that socket is refused with UNAUTHENTICATED instead of running under the stale principal."""
    with tick_gateway(auth=_auth()) as (server, _):
        expires = int(time.time()) + 2
        ws = await _init(server, {"Authorization": f"Bearer {hs256_token(SECRET, claims(exp=expires))}"})
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ hello }"}}))
        assert [m["type"] for m in await _messages(ws, "complete")] == ["next", "complete"]
        await asyncio.sleep(max(0.0, expires + 1.1 - time.time()))
        for op_id, query in (("2", "{ hello }"), ("3", TICKS)):
            await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}}))
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert (message["id"], message["type"]) == (op_id, "error"), message
            assert message["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        await ws.close()


async def test_event_that_does_not_match_the_schema(tick_gateway: Any, tick_supergraph: str) -> None:
    # The supergraph promises an Int for Tick.label; the subgraph sends "tick 1": the value is refused, not passed on.
    assert "label: String!" in tick_supergraph
    lying = tick_supergraph.replace("label: String!", "label: Int", 1)
    with tick_gateway(supergraph=lying) as (server, _):
        ws = await _init(server, {})
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": "subscription { ticks(count: 1) { n label word } }"}}))
        [event, done] = await _messages(ws, "complete")
        assert event["payload"]["data"] == {"ticks": {"n": 1, "label": None, "word": "word 1"}}
        [error] = event["payload"]["errors"]
        assert error["path"] == ["ticks", "label"]
        assert done == {"id": "1", "type": "complete"}
        await ws.close()


async def test_access_is_rechecked_for_every_event(tick_gateway: Any) -> None:
    """A @policy decided anew per event: fields of the per-event fetches become null + FORBIDDEN while it denies;
    when it denies a field the subgraph's stream itself sends, the subscription ends with FORBIDDEN."""
    allowed = {"tick_secret": True, "tick_code": True}
    policies = {name: (lambda principal, name=name: allowed[name]) for name in allowed}
    with tick_gateway(access_policies=policies) as (server, _):
        ws = await _init(server, {})
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": "subscription { ticks(intervalMs: 100) { n code word secret } }"}}))

        async def event() -> dict:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert message["type"] in ("next", "error"), message
            return message

        first = (await event())["payload"]
        assert first == {"data": {"ticks": {"n": 1, "code": "code 1", "word": "word 1", "secret": "secret 1"}}}
        allowed["tick_secret"] = False
        denied = (await event())["payload"]
        while denied["data"]["ticks"]["secret"] is not None:  # an event already on its way when the rule changed
            denied = (await event())["payload"]
        assert denied["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"  # the caller is anonymous
        assert denied["errors"][0]["path"] == ["ticks", "secret"]
        assert denied["data"]["ticks"]["word"] == f"word {denied['data']['ticks']['n']}"
        allowed["tick_code"] = False
        message = await event()
        while message["type"] == "next":
            message = await event()
        assert message["payload"][0]["extensions"]["code"] == "FORBIDDEN"
        await _wait(lambda: subgraphs.ACTIVE["ticks"] == 0, "the subgraph stream to close")
        await ws.close()
