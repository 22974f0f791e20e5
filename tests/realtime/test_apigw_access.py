"""Access per subscriber in the fan-out: subscribers of the same subscription, authenticated through the
WebSocket routes' connection_init (the real route handler code, JWT HS256), stored in DynamoDB Local,
fanned out over the example services (HTTP) verifying the gateway's signed identity. `author { email }`
is @policy self_or_admin (deploy/bff.yaml: admin, or the viewer owns the object, which the accounts
service decides per user). The review's author is u2: the admin (u9) and the author (u2) get the
e-mail, another signed-in viewer (u3) and an anonymous one get null. The admin and the anonymous viewer
share one accounts call under the fan-out's identity; the owner-decided ones go under their own. The
Management API's posts are captured by a loopback HTTP endpoint here;
tests/deploy/test_subscriptions_offline.py posts to serverless-offline's."""

from __future__ import annotations

import asyncio
import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.auth.idp import AUDIENCE, ISSUER, claims, hs256_token
from tests.realtime.apigw_support import create_table, ws_event
from tests.support.dynamodb_local import dynamodb_local  # noqa: F401 (fixture)

SECRET = "apigw-access-tests-secret-0123456789abcdef"
IDENTITY = "apigw-access-identity-0123456789abcdef"
QUERY = 'subscription { reviewAdded(courseId: "c1") { body author { name email } } }'


@pytest.fixture
def posts() -> Iterator[tuple[str, dict[str, list[dict[str, Any]]]]]:
    received: dict[str, list[dict[str, Any]]] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            received.setdefault(self.path.rsplit("/", 1)[-1], []).append(json.loads(body))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def signed_services(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The example services verifying the gateway's signed identity (they check access themselves too)."""
    import contextlib

    from services.catalog import SERVICES
    from tests.support.asgi_server import serve_in_thread

    monkeypatch.setenv("BFF_APIGW_TEST_IDENTITY", IDENTITY)
    with contextlib.ExitStack() as stack:
        yield {s.name: stack.enter_context(serve_in_thread(s.create_app(IDENTITY))).graphql_url for s in SERVICES}


def test_each_subscriber_gets_what_its_identity_may_see(dynamodb_local: str,  # noqa: F811
                                                        signed_services: dict[str, str], posts: Any) -> None:
    from gateway.auth.authenticate import Authenticator
    from gateway.config.build import settings
    from gateway.gateway import Gateway
    from gateway.realtime.apigw.fanout import fan_out
    from gateway.realtime.apigw.management import ManagementApi
    from gateway.realtime.apigw.table import SubscriptionTable
    from gateway.realtime.apigw.websocket import Routes
    from tests.realtime.apigw_support import eventbridge_event

    endpoint, received = posts
    current = settings("deploy/bff.yaml", env={
        "BFF_JWT_HS256_SECRET": SECRET, "BFF_JWT_ISSUER": ISSUER, "BFF_JWT_AUDIENCE": AUDIENCE,
        "BFF_ALLOW_ANONYMOUS": "true", "BFF_IDENTITY_SECRET": "env:BFF_APIGW_TEST_IDENTITY",
        "BFF_SUBGRAPH_URLS": ",".join(f"{k}={v}" for k, v in signed_services.items())})
    gateway = Gateway.from_file("services/supergraph.graphql", current.gateway)
    create_table(dynamodb_local, "access-test")
    table = SubscriptionTable("access-test", endpoint=dynamodb_local)
    management = ManagementApi(endpoint)

    async def gw() -> Any:
        return gateway

    routes = Routes(gw, Authenticator.configured(current.auth), table, management)
    admin = hs256_token(SECRET.encode(), claims(sub="u9", roles=["admin"]))
    author = hs256_token(SECRET.encode(), claims(sub="u2"))
    other = hs256_token(SECRET.encode(), claims(sub="u3"))
    viewers = (("admin", {"Authorization": f"Bearer {admin}"}), ("anon", None),
               ("author", {"Authorization": f"Bearer {author}"}), ("other", {"Authorization": f"Bearer {other}"}))

    async def run() -> Any:
        for connection, params in viewers:
            answer = await routes.handle(ws_event("$connect", connection,
                                                  headers={"Sec-WebSocket-Protocol": "graphql-transport-ws"}))
            assert answer["statusCode"] == 200
            await routes.handle(ws_event("$default", connection, json.dumps(
                {"type": "connection_init", **({"payload": params} if params else {})})))
            await routes.handle(ws_event("$default", connection, json.dumps(
                {"type": "subscribe", "id": "1", "payload": {"query": QUERY}})))
        event = eventbridge_event("reviewAdded", {"id": "r97", "rating": 3, "body": "Okay",
                                                  "author": {"id": "u2", "name": "Alan Turing"},
                                                  "course": {"id": "c1"}}, {"courseId": "c1"})
        # An event whose payload does not match the schema (body is a String): answered with an error, no crash.
        bad = eventbridge_event("reviewAdded", {"id": "r96", "rating": 2, "body": {"text": "Hm"},
                                                "author": {"id": "u2", "name": "Alan Turing"},
                                                "course": {"id": "c1"}}, {"courseId": "c1"})
        try:
            return await fan_out(gateway, table, management, [event, bad])
        finally:
            await management.aclose()
            await gateway.aclose()

    result = asyncio.run(run())
    assert received["admin"][0] == {"type": "connection_ack"} and received["anon"][0] == {"type": "connection_ack"}
    # Runs: per event, one per access decision (admin, anonymous) and one per owner-decided identity.
    assert (result.events, result.matched, result.runs) == (2, 8, 8)
    # accounts: the admin's and the anonymous viewer's entities merged, the author's and u3's under their own.
    assert dict(result.entity_calls) == {"accounts": 3}
    def payloads(connection: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(the good event's payload, the bad event's), whatever order the concurrent posts arrived in."""
        nexts = [m["payload"] for m in received[connection][1:]]
        assert len(nexts) == 2 and all(m["type"] == "next" for m in received[connection][1:])
        good = [p for p in nexts if ((p.get("data") or {}).get("reviewAdded") or {}).get("body") == "Okay"]
        return good[0], next(p for p in nexts if p is not good[0])

    seen_by_admin, odd_for_admin = payloads("admin")
    assert "errors" not in seen_by_admin
    assert seen_by_admin["data"]["reviewAdded"]["author"]["name"] == "Alan Turing"
    assert "@" in seen_by_admin["data"]["reviewAdded"]["author"]["email"]
    seen_by_anon, odd_for_anon = payloads("anon")
    assert seen_by_anon["data"]["reviewAdded"]["author"] == {"name": "Alan Turing", "email": None}
    assert seen_by_anon["errors"][0]["path"] == ["reviewAdded", "author", "email"]
    seen_by_author, odd_for_author = payloads("author")
    assert seen_by_author["data"]["reviewAdded"]["author"] == seen_by_admin["data"]["reviewAdded"]["author"]
    seen_by_other, odd_for_other = payloads("other")
    assert seen_by_other["data"]["reviewAdded"]["author"] == {"name": "Alan Turing", "email": None}
    for odd in (odd_for_admin, odd_for_anon, odd_for_author, odd_for_other):
        assert ["reviewAdded", "body"] in [e.get("path") for e in odd["errors"]]


def test_an_event_from_another_service_reaches_no_subscriber(dynamodb_local: str,  # noqa: F811
                                                              signed_services: dict[str, str], posts: Any) -> None:
    """`reviewAdded` belongs to the reviews subgraph: an event of that detail-type put on the bus by another
    service (source bff.enrollments, which its role allows) is not delivered as if reviews had sent it."""
    from gateway.auth.authenticate import Authenticator
    from gateway.config.build import settings
    from gateway.gateway import Gateway
    from gateway.realtime.apigw.fanout import fan_out
    from gateway.realtime.apigw.management import ManagementApi
    from gateway.realtime.apigw.table import SubscriptionTable
    from gateway.realtime.apigw.websocket import Routes
    from tests.realtime.apigw_support import eventbridge_event

    endpoint, received = posts
    current = settings("deploy/bff.yaml", env={
        "BFF_JWT_HS256_SECRET": SECRET, "BFF_JWT_ISSUER": ISSUER, "BFF_JWT_AUDIENCE": AUDIENCE,
        "BFF_ALLOW_ANONYMOUS": "true", "BFF_IDENTITY_SECRET": "env:BFF_APIGW_TEST_IDENTITY",
        "BFF_SUBGRAPH_URLS": ",".join(f"{k}={v}" for k, v in signed_services.items())})
    gateway = Gateway.from_file("services/supergraph.graphql", current.gateway)
    create_table(dynamodb_local, "source-test")
    table = SubscriptionTable("source-test", endpoint=dynamodb_local)
    management = ManagementApi(endpoint)

    async def gw() -> Any:
        return gateway

    routes = Routes(gw, Authenticator.configured(current.auth), table, management)
    review = {"id": "r95", "rating": 5, "body": "Great", "author": {"id": "u2", "name": "Alan Turing"},
              "course": {"id": "c1"}}

    async def run() -> Any:
        await routes.handle(ws_event("$connect", "viewer", headers={"Sec-WebSocket-Protocol": "graphql-transport-ws"}))
        await routes.handle(ws_event("$default", "viewer", json.dumps({"type": "connection_init"})))
        await routes.handle(ws_event("$default", "viewer", json.dumps(
            {"type": "subscribe", "id": "1", "payload": {"query": QUERY}})))
        spoofed = eventbridge_event("reviewAdded", {**review, "body": "Spoofed"}, {"courseId": "c1"},
                                    source="bff.enrollments")
        genuine = eventbridge_event("reviewAdded", review, {"courseId": "c1"})
        try:
            return await fan_out(gateway, table, management, [spoofed, genuine])
        finally:
            await management.aclose()
            await gateway.aclose()

    result = asyncio.run(run())
    assert (result.events, result.matched, result.runs, result.posted) == (2, 1, 1, 1)
    bodies = [m["payload"]["data"]["reviewAdded"]["body"] for m in received["viewer"] if m["type"] == "next"]
    assert bodies == ["Great"]


def test_a_token_that_expired_on_an_open_connection_runs_no_more_operations(dynamodb_local: str,  # noqa: F811
                                                                            signed_services: dict[str, str],
                                                                            posts: Any) -> None:
    """The token is verified once, at connection_init; the connection lives up to 2 hours. Once the token
    has expired, a new operation on that connection (a query, or a subscription) is refused with
    UNAUTHENTICATED, not run under the principal the token no longer vouches for."""
    import time

    from gateway.auth.authenticate import Authenticator
    from gateway.config.build import settings
    from gateway.gateway import Gateway
    from gateway.realtime.apigw.management import ManagementApi
    from gateway.realtime.apigw.table import SubscriptionTable
    from gateway.realtime.apigw.websocket import Routes

    endpoint, received = posts
    current = settings("deploy/bff.yaml", env={
        "BFF_JWT_HS256_SECRET": SECRET, "BFF_JWT_ISSUER": ISSUER, "BFF_JWT_AUDIENCE": AUDIENCE,
        "BFF_ALLOW_ANONYMOUS": "true", "BFF_IDENTITY_SECRET": "env:BFF_APIGW_TEST_IDENTITY",
        "BFF_SUBGRAPH_URLS": ",".join(f"{k}={v}" for k, v in signed_services.items())})
    gateway = Gateway.from_file("services/supergraph.graphql", current.gateway)
    create_table(dynamodb_local, "expiry-test")
    table = SubscriptionTable("expiry-test", endpoint=dynamodb_local)
    management = ManagementApi(endpoint)

    async def gw() -> Any:
        return gateway

    routes = Routes(gw, Authenticator.configured(current.auth), table, management)
    expires = int(time.time()) + 2
    short = hs256_token(SECRET.encode(), claims(sub="u9", roles=["admin"], exp=expires))

    async def run() -> None:
        await routes.handle(ws_event("$connect", "short", headers={"Sec-WebSocket-Protocol": "graphql-transport-ws"}))
        await routes.handle(ws_event("$default", "short", json.dumps(
            {"type": "connection_init", "payload": {"Authorization": f"Bearer {short}"}})))
        await routes.handle(ws_event("$default", "short", json.dumps(
            {"type": "subscribe", "id": "before", "payload": {"query": "{ users { name } }"}})))
        await asyncio.sleep(max(0.0, expires + 1.1 - time.time()))
        for op_id, query in (("query", "{ users { name email } }"), ("subscription", QUERY)):
            await routes.handle(ws_event("$default", "short", json.dumps(
                {"type": "subscribe", "id": op_id, "payload": {"query": query}})))
        await management.aclose()
        await gateway.aclose()

    asyncio.run(run())
    by_id = {m.get("id"): m for m in received["short"][1:] if m["type"] in ("next", "error")}
    assert by_id["before"]["type"] == "next" and by_id["before"]["payload"]["data"]["users"]
    for op_id in ("query", "subscription"):
        assert by_id[op_id]["type"] == "error", by_id[op_id]
        assert by_id[op_id]["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert table.subscribers("reviewAdded") == []


def test_an_owner_only_field_is_not_answered_with_another_subscribers_rights(dynamodb_local: str,  # noqa: F811
                                                                             signed_services: dict[str, str],
                                                                             posts: Any) -> None:
    """`User.email` is @policy(self_or_admin): for the admin the gateway decides "allowed", for a signed-in
    student "allowed if the viewer owns the object" (the service decides per user). Both plans then ask
    accounts for `email` with the same `_entities` document; the student, watching the same course as an
    admin, must still not get the email of a review's author who is someone else."""
    from gateway.auth.authenticate import Authenticator
    from gateway.config.build import settings
    from gateway.gateway import Gateway
    from gateway.realtime.apigw.fanout import fan_out
    from gateway.realtime.apigw.management import ManagementApi
    from gateway.realtime.apigw.table import SubscriptionTable
    from gateway.realtime.apigw.websocket import Routes
    from tests.realtime.apigw_support import eventbridge_event

    endpoint, received = posts
    current = settings("deploy/bff.yaml", env={
        "BFF_JWT_HS256_SECRET": SECRET, "BFF_JWT_ISSUER": ISSUER, "BFF_JWT_AUDIENCE": AUDIENCE,
        "BFF_ALLOW_ANONYMOUS": "true", "BFF_IDENTITY_SECRET": "env:BFF_APIGW_TEST_IDENTITY",
        "BFF_SUBGRAPH_URLS": ",".join(f"{k}={v}" for k, v in signed_services.items())})
    gateway = Gateway.from_file("services/supergraph.graphql", current.gateway)
    create_table(dynamodb_local, "owner-test")
    table = SubscriptionTable("owner-test", endpoint=dynamodb_local)
    management = ManagementApi(endpoint)

    async def gw() -> Any:
        return gateway

    routes = Routes(gw, Authenticator.configured(current.auth), table, management)
    tokens = {"admin": hs256_token(SECRET.encode(), claims(sub="u9", roles=["admin"])),
              "student": hs256_token(SECRET.encode(), claims(sub="u5", roles=["student"]))}

    async def run() -> Any:
        for connection, token in tokens.items():
            await routes.handle(ws_event("$connect", connection,
                                         headers={"Sec-WebSocket-Protocol": "graphql-transport-ws"}))
            await routes.handle(ws_event("$default", connection, json.dumps(
                {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})))
            await routes.handle(ws_event("$default", connection, json.dumps(
                {"type": "subscribe", "id": "1", "payload": {"query": QUERY}})))
        by_other = eventbridge_event("reviewAdded", {"id": "r94", "rating": 4, "body": "Fine",
                                                     "author": {"id": "u2", "name": "Alan Turing"},
                                                     "course": {"id": "c1"}}, {"courseId": "c1"})
        by_student = eventbridge_event("reviewAdded", {"id": "r93", "rating": 5, "body": "Mine",
                                                       "author": {"id": "u5", "name": "Student Five"},
                                                       "course": {"id": "c1"}}, {"courseId": "c1"})
        try:
            return await fan_out(gateway, table, management, [by_other, by_student])
        finally:
            await management.aclose()
            await gateway.aclose()

    asyncio.run(run())
    seen = {(c, m["payload"]["data"]["reviewAdded"]["body"]): m["payload"]["data"]["reviewAdded"]["author"]
            for c in tokens for m in received[c] if m["type"] == "next"}
    assert "@" in seen["admin", "Fine"]["email"] and "@" in seen["admin", "Mine"]["email"]
    assert seen["student", "Fine"] == {"name": "Alan Turing", "email": None}, seen
    assert "@" in seen["student", "Mine"]["email"], seen  # its own: answered under its own identity
