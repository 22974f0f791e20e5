"""Limits of the WebSocket API on AWS, through the real route handler code and DynamoDB Local (the table
made from deploy/data.yml): `server.subscriptions.max_connections` refuses a handshake past that many
open connections of the API (429), a slot comes back at $disconnect (once, even when the fan-out also
removed the connection after a 410), and a $disconnect that never came stops counting after the
connection's 2-hour life."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.realtime.apigw_support import create_table, ws_event
from tests.support.dynamodb_local import dynamodb_local  # noqa: F401 (fixture)

HANDSHAKE = {"Sec-WebSocket-Protocol": "graphql-transport-ws"}


class _NoManagement:
    """$connect and $disconnect post nothing: a Management API that must not be called."""

    async def post(self, connection_id: str, message: str) -> int:
        raise AssertionError("no post expected")

    def close(self, connection_id: str) -> int:
        raise AssertionError("no close expected")


def test_connection_limit_at_connect(dynamodb_local: str) -> None:  # noqa: F811
    from gateway.realtime.apigw.table import SubscriptionTable
    from gateway.realtime.apigw.websocket import Routes

    create_table(dynamodb_local, "limits-test")
    table = SubscriptionTable("limits-test", endpoint=dynamodb_local)

    async def no_gateway() -> Any:
        raise AssertionError("$connect needs no gateway")

    # No Authorization header on these handshakes: the authenticator is not consulted.
    routes = Routes(no_gateway, None, table, _NoManagement(), max_connections=2)

    def connect(connection: str) -> int:
        answer = asyncio.run(routes.handle(ws_event("$connect", connection, headers=HANDSHAKE)))
        status: int = answer["statusCode"]
        return status

    assert [connect("a"), connect("b"), connect("c")] == [200, 200, 429]
    assert table.open_connections() == 2 and table.connection("c") is None
    asyncio.run(routes.handle(ws_event("$disconnect", "a")))
    assert table.open_connections() == 1
    table.close("a")  # a second removal (a fan-out that got 410 from a gone connection): not uncounted again
    assert table.open_connections() == 1
    assert connect("c") == 200 and connect("d") == 429
    # A connection opened more than the connection's life ago no longer counts, even without $disconnect.
    long_ago = time.time() - 4 * 3600
    table.open("lost", None, now=long_ago, max_connections=10)
    assert table.open_connections(now=long_ago) == 1  # counted then
    assert table.open_connections() == 2
