"""Deploy is registration (issue 11 item 2): the registry function answers CloudFormation's
custom-resource requests (Create/Update/Delete in CloudFormation's own shapes, the answer PUT to a
loopback ResponseURL) against DynamoDB Local, and an already-running gateway serves what registered."""

from __future__ import annotations

import http.server
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from discovery import http_api
from discovery.client import open_registry
from gateway.config import GatewayConfig
from gateway.request import GraphQLRequest
from gateway.supergraph_source import GatewaySwitch, gateway_builder
from tests.discovery.plain_subgraph import plain_subgraph
from tests.support.asgi_server import serve_in_thread
from tests.support.dynamodb_local import dynamodb_local  # noqa: F401  (session fixture)

HELLO = "type Query { hello: String }"
WORLD = "type Query { world: String }"
CLASH = "type Query { hello: Int }"  # the same field with another type: does not compose
STACK = "arn:aws:cloudformation:eu-west-1:123456789012:stack/bff-svc-{name}/" + "0" * 8 + "-aaaa-bbbb-cccc-" + "0" * 12


class _Responses(http.server.BaseHTTPRequestHandler):
    """CloudFormation's pre-signed S3 URL, on loopback: records every PUT answer."""

    received: list[tuple[str, dict[str, Any], dict[str, str]]] = []

    def do_PUT(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self.received.append((self.path, body, dict(self.headers)))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def response_url() -> Iterator[tuple[str, list[Any]]]:
    _Responses.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Responses)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Responses.received
    server.shutdown()
    server.server_close()


@pytest.fixture()
def registry_url(dynamodb_local: str, monkeypatch: pytest.MonkeyPatch) -> str:  # noqa: F811
    url = f"dynamodb://cfn{uuid.uuid4().hex[:10]}?endpoint={dynamodb_local}&region=us-east-1&create=1"
    monkeypatch.setenv("BFF_REGISTRY_URL", url)
    monkeypatch.setattr(http_api, "_registry", None)
    monkeypatch.setattr(http_api, "_handler", None)
    return url


@pytest.fixture(scope="module")
def subgraphs() -> Iterator[tuple[str, str]]:
    with serve_in_thread(plain_subgraph(HELLO, {"hello": "hi"}), health_path=None) as a, \
            serve_in_thread(plain_subgraph(WORLD, {"world": "earth"}), health_path=None) as b:
        yield a.graphql_url, b.graphql_url


def request(kind: str, base: str, name: str, endpoint: str, sdl: str, physical: str | None = None,
            old: dict[str, str] | None = None, **extra: str) -> dict[str, Any]:
    """A custom-resource request as CloudFormation sends it to the ServiceToken's function."""
    request_id = str(uuid.uuid4())
    props = {"ServiceToken": "arn:aws:lambda:eu-west-1:123456789012:function:bff-ci-registry",
             "Name": name, "Endpoint": endpoint, "Sdl": sdl, **extra}
    event: dict[str, Any] = {
        "RequestType": kind, "ServiceToken": props["ServiceToken"],
        "ResponseURL": f"{base}/cloudformation-custom-resource-response-euwest1/{request_id}?X-Amz-Signature=x",
        "StackId": STACK.format(name=name), "RequestId": request_id, "LogicalResourceId": "Registration",
        "ResourceType": "Custom::BffService", "ResourceProperties": props,
    }
    if physical is not None:
        event["PhysicalResourceId"] = physical
    if old is not None:
        event["OldResourceProperties"] = {**props, **old}
    return event


def answer(event: dict[str, Any], received: list[Any]) -> dict[str, Any]:
    http_api.handler(event, None)
    path, body, headers = received[-1]
    assert event["RequestId"] in path
    assert body["RequestId"] == event["RequestId"] and body["StackId"] == event["StackId"]
    assert body["LogicalResourceId"] == "Registration"
    return body


async def test_a_service_stack_registers_updates_and_unregisters(registry_url, response_url, subgraphs) -> None:
    base, received = response_url
    assert answer(request("Create", base, "a", subgraphs[0], HELLO), received)["Status"] == "SUCCESS"
    # A gateway already running over the registry (as on Lambda: the registry's table, no restart).
    switch = await GatewaySwitch.start(open_registry(registry_url), gateway_builder(GatewayConfig()), poll_interval=0)
    assert (await switch.execute(GraphQLRequest("{ hello }"))).body == {"data": {"hello": "hi"}}

    created = answer(request("Create", base, "b", subgraphs[1], WORLD), received)
    assert created["Status"] == "SUCCESS" and created["PhysicalResourceId"] == "b", created
    assert await switch.refresh() is True
    assert (await switch.execute(GraphQLRequest("{ hello world }"))).body == {"data": {"hello": "hi", "world": "earth"}}

    updated = answer(request("Update", base, "b", subgraphs[1], "type Query { world: String planet: String }",
                             physical="b", old={"Sdl": WORLD}), received)
    assert updated["Status"] == "SUCCESS" and updated["PhysicalResourceId"] == "b"
    assert await switch.refresh() is True and "planet" in switch.api_schema.query_type.fields

    # A deploy that would break clients (a field removed) is refused with the registry's reason.
    breaking = answer(request("Update", base, "b", subgraphs[1], "type Query { planet: String }", physical="b",
                              old={"Sdl": "type Query { world: String planet: String }"}), received)
    assert breaking["Status"] == "FAILED" and "BREAKING_CHANGE" in breaking["Reason"]
    assert "Query.world" in breaking["Reason"] and breaking["PhysicalResourceId"] == "b"
    assert await switch.refresh() is False  # nothing changed
    # Removing the stack removes fields too: refused unless the stack says it accepts breaking clients.
    kept = answer(request("Delete", base, "b", subgraphs[1], WORLD, physical="b"), received)
    assert kept["Status"] == "FAILED" and "BREAKING_CHANGE" in kept["Reason"]
    deleted = answer(request("Delete", base, "b", subgraphs[1], WORLD, physical="b", AllowBreaking="true"), received)
    assert deleted["Status"] == "SUCCESS", deleted
    assert await switch.refresh() is True
    assert "world" not in switch.api_schema.query_type.fields
    assert (await switch.execute(GraphQLRequest("{ hello }"))).body == {"data": {"hello": "hi"}}
    await switch.aclose()


def test_a_schema_that_does_not_compose_fails_the_deploy_and_loses_nothing(registry_url, response_url,
                                                                         subgraphs) -> None:
    base, received = response_url
    assert answer(request("Create", base, "a", subgraphs[0], HELLO), received)["Status"] == "SUCCESS"
    registry = open_registry(registry_url)
    before = registry.supergraph()

    refused = answer(request("Create", base, "c", subgraphs[1], CLASH), received)
    assert refused["Status"] == "FAILED"
    assert "Query.hello" in refused["Reason"], refused  # the registry's composition error, as the stack event shows
    assert refused["PhysicalResourceId"].startswith("bff-unregistered:")
    # CloudFormation rolls back: it sends Delete for the refused resource; nothing registered goes.
    assert answer(request("Delete", base, "c", subgraphs[1], CLASH, physical=refused["PhysicalResourceId"]),
                  received)["Status"] == "SUCCESS"
    # An update of a registered service that breaks composition is refused too, and keeps its id.
    broken = answer(request("Update", base, "a", subgraphs[0], "type Query { hello: String", physical="a",
                            old={"Sdl": HELLO}), received)
    assert broken["Status"] == "FAILED" and broken["PhysicalResourceId"] == "a" and broken["Reason"]
    after = registry.supergraph()
    assert (after.version, after.sdl) == (before.version, before.sdl)
    assert [s.name for s in registry.services()] == ["a"]


def test_bad_requests_get_an_answer(registry_url, response_url) -> None:
    base, received = response_url
    event = request("Create", base, "", "", "")
    body = answer(event, received)
    assert body["Status"] == "FAILED" and body["Reason"]
    event = request("Rename", base, "a", "http://x/graphql", HELLO, physical="a")
    assert answer(event, received)["Status"] == "FAILED"


def test_an_unreachable_registry_answers_failed_at_once(response_url, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an answer CloudFormation would wait an hour: a registry that cannot be opened is a FAILED."""
    base, received = response_url
    monkeypatch.setenv("BFF_REGISTRY_URL", "nosuchstore://table")
    monkeypatch.setattr(http_api, "_registry", None)
    body = answer(request("Create", base, "a", "lambda:bff-ci-a", HELLO), received)
    assert body["Status"] == "FAILED" and "registry cannot be opened" in body["Reason"], body
    rollback = answer(request("Delete", base, "a", "lambda:bff-ci-a", HELLO, physical=body["PhysicalResourceId"]),
                      received)
    assert rollback["Status"] == "SUCCESS"
