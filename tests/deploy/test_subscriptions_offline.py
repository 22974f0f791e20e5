"""Subscriptions on AWS, offline: serverless-offline's WebSocket API emulation runs the `realtime`
function (its real handler, as serverless.yml declares it), the table is DynamoDB Local (made from
deploy/data.yml), the client is the npm `graphql-ws` client, and the fan-out (in this process, the
real handler code) gets the EventBridge event that the reviews service's `publish_event` put on
EventBridge (moto's, routed by a rule to an SQS queue we read), resolves `course { title }` from the
courses Lambda through serverless-offline's Lambda Invoke API and posts through its @connections
endpoint.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.realtime.apigw_support import create_table
from tests.realtime.clients import node_client
from tests.support import dynamodb_local
from tests.support.fanout_route import fanout_route

from .inprocess import SERVICES, load_build
from .osls import offline_env, offline_started, require_osls
from .test_offline import IDENTITY, KEY, free_port, gateway

pytestmark = pytest.mark.slow
TABLE = "bff-local-subscriptions"  # serverless.yml: bff-${sls:stage}-subscriptions
ACCESS_KEY = "AKIALOCALONLY"  # offline_env's: DynamoDB Local keeps one database per access key
QUERY = 'subscription { reviewAdded(courseId: "c1") { rating body author { name } course { title } } }'


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[str]:
    try:
        proc, endpoint = dynamodb_local.start()
    except FileNotFoundError as exc:
        from tests.support.requires import missing

        missing(str(exc))
    try:
        create_table(endpoint, TABLE, ACCESS_KEY, "eu-west-1")
        yield endpoint
    finally:
        dynamodb_local.stop(proc)


@pytest.fixture(scope="module")
def offline(dynamodb: str) -> Iterator[dict[str, int]]:
    """`osls offline start --stage local`: the WebSocket API on ws_port, the Lambda Invoke API on lambda_port."""
    require_osls()
    load_build().fallback_supergraph("local")
    http_port, lambda_port, ws_port = free_port(), free_port(), free_port()
    with offline_env(VIRTUAL_ENV=sys.prefix, BFF_LOCAL_API_KEY=KEY, BFF_LOCAL_IDENTITY_SECRET=IDENTITY,
                     AWS_ENDPOINT_URL_DYNAMODB=dynamodb,
                     BFF_LOCAL_WS_MANAGEMENT_URL=f"http://127.0.0.1:{ws_port}",
                     # The functions' gateway reaches the service functions through offline's Lambda Invoke API,
                     # with their keys (deployed stages take both from the registry's entries; `local` has none).
                     BFF_LAMBDA_ENDPOINT_URL=f"http://127.0.0.1:{lambda_port}",
                     BFF_SUBGRAPH_API_KEYS=",".join(f"{s}=env:BFF_LOCAL_API_KEY" for s in SERVICES)) as env:
        with offline_started(["--stage", "local", "--host", "127.0.0.1", "--httpPort", str(http_port),
                              "--lambdaPort", str(lambda_port), "--websocketPort", str(ws_port)], env):
            yield {"ws": ws_port, "lambda": lambda_port}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, dynamodb: str) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local-only")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb)


def _table(dynamodb: str) -> Any:
    from gateway.realtime.apigw.table import SubscriptionTable

    return SubscriptionTable(TABLE, endpoint=dynamodb)


def _wait(predicate: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def _published_event(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """reviews' add_review -> publish_event -> EventBridge (moto) -> rule -> SQS: the event as a target gets it."""
    event: dict[str, Any] = json.loads(_published_message(monkeypatch)["Body"])
    return event


def _published_message(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """reviews' add_review -> publish_event -> EventBridge (moto) -> the rule (deploy/fanout.yml) -> the
    fan-out queue (moto): the SQS message as received."""
    with fanout_route(monkeypatch, "eu-west-1") as route:
        from services.reviews import data

        before = dict(data.REVIEWS)
        try:
            data.add_review("c1", "u2", 5, "Loved it, offline")
        finally:
            data.REVIEWS.clear()
            data.REVIEWS.update(before)
        messages = route.sqs.receive_message(QueueUrl=route.queue_url, WaitTimeSeconds=5,
                                             AttributeNames=["All"]).get("Messages")
        assert messages and len(messages) == 1
        message: dict[str, Any] = messages[0]
        return message


def test_subscription_event_reaches_a_graphql_ws_client(offline: dict[str, int], dynamodb: str, aws: None,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.realtime.apigw.fanout import fan_out
    from gateway.realtime.apigw.management import ManagementApi

    table = _table(dynamodb)
    spec = {"url": f"ws://127.0.0.1:{offline['ws']}", "subscriptions": [{"query": QUERY}]}
    with node_client("ws-client.mjs", spec) as client:
        client.wait_for(lambda e: e["event"] == "connected", timeout=60)  # connection_ack, through $default
        subscribers = _wait(lambda: table.subscribers("reviewAdded"))
        assert [(s.topic, s.args) for s in subscribers] == [("reviewAdded", {"courseId": "c1"})]
        event = _published_event(monkeypatch)
        assert event["detail-type"] == "reviewAdded" and event["source"] == "bff.reviews"
        built = gateway(offline["lambda"], KEY)  # the courses Lambda behind offline's Lambda Invoke API
        management = ManagementApi(f"http://127.0.0.1:{offline['ws']}")

        async def run() -> Any:
            try:
                return await fan_out(built, table, management, [event])
            finally:
                await management.aclose()
                await built.transport.aclose()  # type: ignore[attr-defined]

        result = asyncio.run(run())
        assert (result.matched, result.posted, result.gone) == (1, 1, 0)
        assert dict(result.entity_calls) == {"courses": 1}
        received = client.wait_for(lambda e: e.get("event") == "next", timeout=30)
        assert received["data"] == {"data": {"reviewAdded": {
            "rating": 5, "body": "Loved it, offline", "author": {"name": "Alan Turing"},
            "course": {"title": "Introduction to GraphQL"}}}}
        assert len(_items(table)) == 2  # the connection and its subscription
        assert table.open_connections() == 1  # counted at $connect (server.subscriptions.max_connections)
        client.send({"unsubscribe": 0})  # graphql-ws sends `complete`
        _wait(lambda: not table.subscribers("reviewAdded"))
        assert len(_items(table)) == 1
    _wait(lambda: not _items(table))  # the client went away: $disconnect removed its connection
    assert table.open_connections() == 0


def _items(table: Any) -> list[dict[str, Any]]:
    """The connections' and subscriptions' items (not the connection count's)."""
    items: list[dict[str, Any]] = table.api.call("Scan", {"TableName": table.name}).get("Items", [])
    return [i for i in items if i["pk"]["S"].startswith("c#")]


async def _raw(url: str, messages: list[str], subprotocol: str | None = "graphql-transport-ws") -> list[Any]:
    """What a raw WebSocket client receives after sending `messages`, until the server closes (or 5 s)."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed
    from websockets.typing import Subprotocol

    seen: list[Any] = []
    async with connect(url, subprotocols=[Subprotocol(subprotocol)] if subprotocol else None) as socket:
        try:
            for message in messages:
                # One Lambda invocation per message, possibly concurrent (on AWS too): one at a time here.
                await socket.send(message)
                if '"connection_init"' in message:
                    seen.append(json.loads(await asyncio.wait_for(socket.recv(), 30)))
                else:
                    await asyncio.sleep(1.0)
            while True:
                seen.append(json.loads(await asyncio.wait_for(socket.recv(), 5)))
        except ConnectionClosed:
            seen.append("closed")
        except TimeoutError:
            seen.append("open")
    return seen


def test_bad_input(offline: dict[str, int], dynamodb: str, aws: None) -> None:
    url = f"ws://127.0.0.1:{offline['ws']}"
    # No graphql-transport-ws subprotocol: $connect refuses the handshake.
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(_raw(url, [], subprotocol=None))
    assert refused.value.response.status_code == 400
    # subscribe before connection_init (4401 under uvicorn): closed
    assert asyncio.run(_raw(url, [json.dumps({"type": "subscribe", "id": "1", "payload": {"query": QUERY}})])) \
        == ["closed"]
    # not JSON, an unknown type (4400): closed after the ack
    init = json.dumps({"type": "connection_init"})
    assert asyncio.run(_raw(url, [init, "not json"])) == [{"type": "connection_ack"}, "closed"]
    assert asyncio.run(_raw(url, [init, '{"type":"shout"}'])) == [{"type": "connection_ack"}, "closed"]
    # a field no subgraph owns / a bad document: an `error` message for that id, the socket stays open
    seen = asyncio.run(_raw(url, [init, json.dumps({"type": "subscribe", "id": "a",
                                                     "payload": {"query": "subscription { nope }"}}),
                                  '{"type":"ping"}']))
    assert seen[0] == {"type": "connection_ack"} and seen[1]["type"] == "error" and seen[1]["id"] == "a"
    assert "nope" in seen[1]["payload"][0]["message"] and seen[2:] == [{"type": "pong"}, "open"]
    # a duplicate id (4409): closed
    subscribe = json.dumps({"type": "subscribe", "id": "d", "payload": {"query": QUERY}})
    assert asyncio.run(_raw(url, [init, subscribe, subscribe]))[-1] == "closed"
    # a query over the socket is answered at once (next, complete)
    seen = asyncio.run(_raw(url, [init, json.dumps({"type": "subscribe", "id": "q", "payload": {
        "query": '{ __typename }'}})]))
    assert seen[1:] == [{"id": "q", "type": "next", "payload": {"data": {"__typename": "Query"}}},
                        {"id": "q", "type": "complete"}, "open"]


def test_fan_out_batches_entities_across_subscribers_and_removes_gone_ones(
        offline: dict[str, int], dynamodb: str, aws: None) -> None:
    """Three clients (two selections on course c1, one on c2) and a connection API Gateway no longer has:
    one `_entities` call to courses for everyone, each client its own selection, the gone one removed."""
    from gateway.realtime.apigw.fanout import fan_out
    from gateway.realtime.apigw.management import ManagementApi
    from gateway.realtime.apigw.table import Subscription
    from tests.realtime.apigw_support import eventbridge_event

    table = _table(dynamodb)
    url = f"ws://127.0.0.1:{offline['ws']}"
    first = 'subscription { reviewAdded(courseId: "c1") { body course { title } } }'
    second = 'subscription { reviewAdded(courseId: "c1") { rating author { name } course { id title } } }'
    other = 'subscription { reviewAdded(courseId: "c2") { body course { title } } }'
    with node_client("ws-client.mjs", {"url": url, "subscriptions": [{"query": first}]}) as a, \
            node_client("ws-client.mjs", {"url": url, "subscriptions": [{"query": second}]}) as b, \
            node_client("ws-client.mjs", {"url": url, "subscriptions": [{"query": other}]}) as c:
        for client in (a, b, c):
            client.wait_for(lambda e: e["event"] == "connected", timeout=60)
        _wait(lambda: len(table.subscribers("reviewAdded")) == 3)
        table.open("ghost", None)
        table.add(Subscription("ghost", "1", "reviewAdded", {"courseId": "c1"}, first, None, None, None), 10)
        event = eventbridge_event("reviewAdded", {"id": "r98", "rating": 4, "body": "Solid",
                                                  "author": {"id": "u2", "name": "Alan Turing"},
                                                  "course": {"id": "c1"}}, {"courseId": "c1"})
        built = gateway(offline["lambda"], KEY)
        management = ManagementApi(f"http://127.0.0.1:{offline['ws']}")

        async def run() -> Any:
            try:
                return await fan_out(built, table, management, [event])
            finally:
                await management.aclose()
                await built.transport.aclose()  # type: ignore[attr-defined]

        result = asyncio.run(run())
        assert (result.matched, result.runs, result.posted, result.gone) == (3, 2, 3, 1)
        assert dict(result.entity_calls) == {"courses": 1} and dict(result.subgraph_calls) == {"courses": 1}
        assert a.wait_for(lambda e: e.get("event") == "next", timeout=30)["data"] == {"data": {"reviewAdded": {
            "body": "Solid", "course": {"title": "Introduction to GraphQL"}}}}
        assert b.wait_for(lambda e: e.get("event") == "next", timeout=30)["data"] == {"data": {"reviewAdded": {
            "rating": 4, "author": {"name": "Alan Turing"},
            "course": {"id": "c1", "title": "Introduction to GraphQL"}}}}
        time.sleep(1.0)
        assert not [e for e in c.seen if e.get("event") == "next"]
        assert not [i for i in _items(table) if i["pk"]["S"] == "c#ghost"]


def test_the_fanout_function_takes_an_sqs_batch(offline: dict[str, int], dynamodb: str, aws: None,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The `fanout` function as serverless.yml declares it, invoked through serverless-offline's Lambda
    Invoke API with the fan-out queue's SQS event (the message reviews published, plus one that is not an
    event): the client gets `course { title }` from the courses function, and only the bad message is
    reported for redelivery."""
    import boto3

    table = _table(dynamodb)
    spec = {"url": f"ws://127.0.0.1:{offline['ws']}", "subscriptions": [{"query": QUERY}]}
    with node_client("ws-client.mjs", spec) as client:
        client.wait_for(lambda e: e["event"] == "connected", timeout=60)
        _wait(lambda: table.subscribers("reviewAdded"))
        message = _published_message(monkeypatch)
        record = {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
                  "body": message["Body"], "attributes": message.get("Attributes", {}), "messageAttributes": {},
                  "md5OfBody": message["MD5OfBody"], "eventSource": "aws:sqs",
                  "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:bff-local-fanout", "awsRegion": "eu-west-1"}
        invocation = {"Records": [record, {**record, "messageId": "not-an-event", "body": "{}"}]}
        lam = boto3.client("lambda", endpoint_url=f"http://127.0.0.1:{offline['lambda']}", region_name="eu-west-1")
        answer = lam.invoke(FunctionName="bff-local-fanout", Payload=json.dumps(invocation).encode())
        result = json.loads(answer["Payload"].read())

        assert "FunctionError" not in answer, result
        assert result["batchItemFailures"] == [{"itemIdentifier": "not-an-event"}]
        assert (result["events"], result["matched"], result["posted"], result["entityCalls"]) == \
            (1, 1, 1, {"courses": 1})
        received = client.wait_for(lambda e: e.get("event") == "next", timeout=30)
        assert received["data"]["data"]["reviewAdded"]["course"] == {"title": "Introduction to GraphQL"}
        assert received["data"]["data"]["reviewAdded"]["body"] == "Loved it, offline"
