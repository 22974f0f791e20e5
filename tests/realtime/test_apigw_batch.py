"""The fan-out over a batch of events as Lambda gets it from the fan-out queue (deploy/fanout.yml): the
reviews service's publish_event -> EventBridge (moto) -> the rule's SQS queue (moto) -> the messages read
from the queue, in the SQS event shape Lambda passes. Subscriptions in DynamoDB Local; the example
services over HTTP; the Management API's posts captured by a loopback endpoint. The batch's cost is
counted: one index Query for its one topic, one `_entities` call per service for all its events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.realtime.apigw_support import create_table
from tests.realtime.test_apigw_access import posts  # noqa: F401 (fixture)
from tests.support.dynamodb_local import dynamodb_local  # noqa: F401 (fixture)
from tests.support.fanout_route import fanout_route


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's EventBridge with serverless.yml's rule (deploy/fanout.yml) sending to an SQS queue; reviews
    publishes there. Yields a function reading the queue's messages as a Lambda SQS event."""
    monkeypatch.setenv("AWS_REGION", "us-east-1")  # DynamoDB Local's tables here are us-east-1's
    with fanout_route(monkeypatch, "us-east-1") as route:
        def sqs_event(expected: int) -> dict[str, Any]:
            """The queue's messages as the event source mapping hands them to the function (AWS's fields)."""
            messages: list[dict[str, Any]] = []
            while len(messages) < expected:
                got = route.sqs.receive_message(QueueUrl=route.queue_url, MaxNumberOfMessages=10,
                                                WaitTimeSeconds=2, AttributeNames=["All"]).get("Messages") or []
                assert got, f"the queue had {len(messages)} messages, not {expected}"
                messages += got
            return {"Records": [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                                 "attributes": m.get("Attributes", {}), "messageAttributes": {},
                                 "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs",
                                 "eventSourceARN": route.queue_arn, "awsRegion": "us-east-1"} for m in messages]}

        yield sqs_event


def test_a_batch_of_events_costs_one_read_per_topic_and_one_entities_call_per_service(
        dynamodb_local: str, example_services: dict[str, str], posts: Any, queue: Any) -> None:  # noqa: F811
    from gateway.config import GatewayConfig
    from gateway.gateway import Gateway
    from gateway.realtime.apigw.fanout import batch_of, fan_out
    from gateway.realtime.apigw.management import ManagementApi
    from gateway.realtime.apigw.table import Subscription, SubscriptionTable
    from services.reviews import data

    endpoint, received = posts
    create_table(dynamodb_local, "batch-test")
    table = SubscriptionTable("batch-test", endpoint=dynamodb_local)
    selections = {"a": "body course { title } author { name }", "b": "rating course { id title }",
                  "c": "body author { name roles }"}
    for connection, selection in selections.items():
        table.open(connection, None)
        table.add(Subscription(connection, "1", "reviewAdded", {"courseId": "c1"},
                               f'subscription {{ reviewAdded(courseId: "c1") {{ {selection} }} }}', None, None, None),
                  10)
    table.open("d", None)
    table.add(Subscription("d", "1", "reviewAdded", {"courseId": "c2"},
                           'subscription { reviewAdded(courseId: "c2") { body course { title } } }', None, None, None),
              10)
    # Five events: four on c1 by two authors, one on c2.
    published = [("c1", "u1", "first"), ("c1", "u2", "second"), ("c2", "u1", "elsewhere"), ("c1", "u1", "third"),
                 ("c1", "u2", "fourth")]
    for course, author, body in published:
        data.add_review(course, author, 4, body)
    invocation = queue(len(published))
    invocation["Records"].append({**invocation["Records"][0], "messageId": "not-an-event", "body": "{oops"})
    batch = batch_of(invocation)
    assert len(batch.events) == 5 and batch.unreadable == ["not-an-event"]
    # SQS does not keep order: the batch as received; reorder here so the assertions can name them.
    texts = [p[2] for p in published]
    events = sorted(batch.events, key=lambda e: texts.index(e["detail"]["payload"]["body"]))
    events.append(events[0])  # delivered twice (at least once): run once
    gateway = Gateway.from_file("services/supergraph.graphql", GatewayConfig(subgraph_urls=example_services))
    management = ManagementApi(endpoint)
    table.calls.clear()

    async def run() -> Any:
        try:
            return await fan_out(gateway, table, management, events)
        finally:
            await management.aclose()
            await gateway.aclose()

    result = asyncio.run(run())
    assert table.calls["Query"] == 1  # one topic in the batch
    assert (result.events, result.matched, result.failed) == (6, 13, set())
    assert dict(result.entity_calls) == {"courses": 1, "accounts": 1}, result.entity_calls
    assert dict(result.subgraph_calls) == {"courses": 1, "accounts": 1}
    titles = {"c1": "Introduction to GraphQL"}
    bodies = {c: [m["payload"]["data"]["reviewAdded"] for m in received[c]] for c in "abcd"}
    # Each connection got its events in the batch's order, each with its own selection.
    assert [b["body"] for b in bodies["a"]] == ["first", "second", "third", "fourth"]
    assert all(b["course"] == {"title": titles["c1"]} and b["author"]["name"] for b in bodies["a"])
    assert bodies["a"][0]["author"]["name"] != bodies["a"][1]["author"]["name"]
    assert bodies["b"] == [{"rating": 4, "course": {"id": "c1", "title": titles["c1"]}}] * 4
    assert [b["body"] for b in bodies["c"]] == ["first", "second", "third", "fourth"]
    assert all(isinstance(b["author"]["roles"], list) for b in bodies["c"])
    assert [b["body"] for b in bodies["d"]] == ["elsewhere"] and bodies["d"][0]["course"]["title"]
    assert not any("errors" in m["payload"] for c in "abcd" for m in received[c])


def test_events_that_fail_are_the_only_ones_redelivered(
        dynamodb_local: str, example_services: dict[str, str], posts: Any) -> None:  # noqa: F811
    """A topic whose subscribers cannot be read (here: the table is missing) fails its events only; the
    answer names their messages and the unreadable one, not the others."""
    from gateway.config import GatewayConfig
    from gateway.gateway import Gateway
    from gateway.realtime.apigw.fanout import batch_item_failures, batch_of, fan_out
    from gateway.realtime.apigw.management import ManagementApi
    from gateway.realtime.apigw.table import SubscriptionTable
    from tests.realtime.apigw_support import eventbridge_event

    endpoint, _ = posts
    events = [eventbridge_event("reviewAdded", {"id": f"r{i}", "body": "x"}, {"courseId": "c1"}) for i in range(2)]
    invocation = {"Records": [{"messageId": f"m{i}", "body": json.dumps(e), "eventSource": "aws:sqs"}
                              for i, e in enumerate(events)] + [
        {"messageId": "m-bad", "body": '{"not": "an event"}', "eventSource": "aws:sqs"}]}
    batch = batch_of(invocation)
    gateway = Gateway.from_file("services/supergraph.graphql", GatewayConfig(subgraph_urls=example_services))
    management = ManagementApi(endpoint)

    async def run() -> Any:
        try:
            return await fan_out(gateway, SubscriptionTable("no-such-table", endpoint=dynamodb_local), management,
                                 batch.events)
        finally:
            await management.aclose()
            await gateway.aclose()

    result = asyncio.run(run())
    assert result.failed == {0, 1} and result.posted == 0
    assert batch_item_failures(batch, result) == [{"itemIdentifier": m} for m in ("m-bad", "m0", "m1")]
    # Given directly (EventBridge's own target shape), an event is read as itself.
    assert batch_of(events[0]).events == [events[0]] and batch_of(events).message_ids == [None, None]
