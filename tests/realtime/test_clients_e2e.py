"""End to end with real clients: the npm `graphql-ws` and `graphql-sse` clients against `bff serve` over the example
services. `reviewAdded` events come from the reviews subgraph (strawberry, graphql-transport-ws) when `addReview`
runs; `course { title }` comes from courses and `author { roles }` from accounts through `_entities`."""

from __future__ import annotations

import time
from typing import Any

import httpx

from services.reviews import data as reviews_data
from tests.realtime.clients import BffServe, node_client

SELECTION = "id rating body course { id title } author { name roles }"


def _post_until(client: Any, server: BffServe, course: str, body: str, sub: int = 0) -> dict[str, Any]:
    """Post reviews until the subscriber sees one (the subscription reaches the subgraph asynchronously):
    the first event is returned, and it must be one of the reviews posted."""
    posted = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        answer = httpx.post(server.url, json={"query": "mutation($c: ID!, $b: String!) { addReview(courseId: $c, "
                                                       "authorId: \"u3\", rating: 4, body: $b) { id } }",
                                              "variables": {"c": course, "b": body}}, timeout=10).json()
        posted.append(answer["data"]["addReview"]["id"])
        try:
            event = client.wait_for(lambda e: e.get("sub") == sub and e.get("event") in ("next", "error"), 0.5)
        except AssertionError:
            continue
        assert event["event"] == "next", event
        assert event["data"]["data"]["reviewAdded"]["id"] in posted
        return event["data"]
    raise AssertionError(f"no event after posting {posted}")


def test_graphql_ws_client_gets_federated_events(bff_serve: BffServe) -> None:
    query = f'subscription {{ reviewAdded(courseId: "c1") {{ {SELECTION} }} }}'
    with node_client("ws-client.mjs", {"url": bff_serve.ws_url, "subscriptions": [{"query": query}]}) as client:
        client.wait_for(lambda e: e["event"] == "connected")
        result = _post_until(client, bff_serve, "c1", "Live over WebSocket")
        review = result["data"]["reviewAdded"]
        assert "errors" not in result
        assert review["body"] == "Live over WebSocket" and review["rating"] == 4
        assert review["course"] == {"id": "c1", "title": "Introduction to GraphQL"}  # courses, via _entities
        assert review["author"] == {"name": "Grace Hopper", "roles": ["student", "instructor"]}  # roles: accounts
        # A review on another course is not this subscriber's event; the next one on c1 is.
        httpx.post(bff_serve.url, json={"query": 'mutation { addReview(courseId: "c2", authorId: "u1", rating: 1, '
                                                 'body: "elsewhere") { id } }'}, timeout=10)
        httpx.post(bff_serve.url, json={"query": 'mutation { addReview(courseId: "c1", authorId: "u1", rating: 2, '
                                                 'body: "second") { id } }'}, timeout=10)
        second = client.wait_for(lambda e: e.get("event") == "next" and
                                 e["data"]["data"]["reviewAdded"]["body"] == "second")
        assert second["data"]["data"]["reviewAdded"]["author"]["name"] == "Ada Lovelace"
        assert not any(e.get("event") == "next" and e["data"]["data"]["reviewAdded"]["body"] == "elsewhere"
                       for e in client.seen)
        # Unsubscribing stops the subgraph's stream too: reviews has no subscriber left on c1.
        client.send({"unsubscribe": 0})
        _wait(lambda: not reviews_data.FEED._queues.get("c1"), "the subgraph subscription to end")


def test_graphql_ws_client_query_validation_error_and_two_subscriptions(bff_serve: BffServe) -> None:
    spec = {"url": bff_serve.ws_url, "subscriptions": [
        {"query": '{ course(id: "c3") { title instructor { name } } }'},
        {"query": "subscription { reviewAdded(courseId: \"c3\") { nope } }"},
        {"query": "subscription { reviewAdded(courseId: \"c3\") { id body } }"},
        {"query": "subscription { reviewAdded(courseId: \"c4\") { id body } }"},
    ]}
    with node_client("ws-client.mjs", spec) as client:
        done = client.wait_for(lambda e: e.get("sub") == 0 and e["event"] == "complete")
        assert done
        assert client.events(0)[0]["data"] == {"data": {"course": {"title": "Compilers from Scratch",
                                                                   "instructor": {"name": "Grace Hopper"}}}}
        refused = client.wait_for(lambda e: e.get("sub") == 1 and e["event"] == "error")
        [error] = refused["error"]["errors"]
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED" and "nope" in error["message"]
        first = _post_until(client, bff_serve, "c3", "three", sub=2)
        assert first["data"]["reviewAdded"]["body"] == "three"
        assert not client.events(3)  # c4's subscriber saw nothing
        _post_until(client, bff_serve, "c4", "four", sub=3)


def test_graphql_sse_client_gets_federated_events(bff_serve: BffServe) -> None:
    query = f'subscription {{ reviewAdded(courseId: "c5") {{ {SELECTION} }} }}'
    with node_client("sse-client.mjs", {"url": bff_serve.url, "subscriptions": [{"query": query}]}) as client:
        client.wait_for(lambda e: e["event"] == "started")
        result = _post_until(client, bff_serve, "c5", "Live over SSE")
        review = result["data"]["reviewAdded"]
        assert review["course"]["title"] == "Abstraction and Types"
        assert review["author"]["roles"] == ["student", "instructor"]
        client.send({"unsubscribe": 0})
        _wait(lambda: not reviews_data.FEED._queues.get("c5"), "the subgraph subscription to end")


def test_graphql_sse_client_validation_error_arrives_as_an_event(bff_serve: BffServe) -> None:
    spec = {"url": bff_serve.url, "subscriptions": [{"query": "subscription { reviewAdded { id } }"}]}
    with node_client("sse-client.mjs", spec) as client:
        event = client.wait_for(lambda e: e.get("sub") == 0 and e["event"] in ("next", "error"))
        assert event["event"] == "next", event
        [error] = event["data"]["errors"]
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED" and "courseId" in error["message"]
        client.wait_for(lambda e: e.get("sub") == 0 and e["event"] == "complete")


def test_subscription_over_plain_http_is_refused_with_a_pointer(bff_serve: BffServe) -> None:
    answer = httpx.post(bff_serve.url, json={"query": 'subscription { reviewAdded(courseId: "c1") { id } }'},
                        headers={"accept": "application/graphql-response+json"}, timeout=10)
    assert answer.status_code == 400
    [error] = answer.json()["errors"]
    assert error["extensions"]["code"] == "OPERATION_NOT_SUPPORTED" and "text/event-stream" in error["message"]


def _wait(condition: Any, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
