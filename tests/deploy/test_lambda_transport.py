"""The Lambda-invoke transport: what it sends, what it makes of the answers, how it fails."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import threading
import time
from typing import Any

import pytest

from gateway.execute.errors import SubgraphFailure
from gateway.execute.lambda_transport import LambdaTransport, parse_endpoint
from gateway.execute.transport import HttpTransport

QUERY = {"query": "{ __typename }"}


class FakeLambda:
    """boto3's Lambda client as far as the transport uses it; `answer(event)` makes the payload."""

    def __init__(self, answer: Any = None, error: Exception | None = None, function_error: str | None = None,
                 delay: float = 0.0) -> None:
        self.answer = answer or (lambda event: {"statusCode": 200, "body": json.dumps({"data": {"ok": True}})})
        self.error, self.function_error, self.delay = error, function_error, delay
        self.calls: list[dict[str, Any]] = []
        self.in_flight = self.max_in_flight = 0
        self._lock = threading.Lock()

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        with self._lock:
            self.calls.append(kwargs)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            if self.error is not None:
                raise self.error
            event = json.loads(kwargs["Payload"])
            response: dict[str, Any] = {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(self.answer(event)).encode())}
            if self.function_error:
                response["FunctionError"] = self.function_error
            return response
        finally:
            with self._lock:
                self.in_flight -= 1


class ClientError(Exception):
    """botocore.exceptions.ClientError's shape (the transport classifies by response code)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code, "Message": "arn:aws:lambda:eu-west-1:123:function:secret-name"}}


class ReadTimeoutError(Exception):
    pass


def test_endpoint_syntax() -> None:
    assert parse_endpoint("lambda:bff-dev-accounts") == ("bff-dev-accounts", None)
    assert parse_endpoint("lambda:bff-dev-accounts:live") == ("bff-dev-accounts", "live")
    for bad in ("lambda:", "http://x/graphql", "lambda:a:b:c"):
        with pytest.raises(ValueError):
            parse_endpoint(bad)


async def test_sends_an_http_api_event_and_returns_the_graphql_body() -> None:
    fake = FakeLambda()
    transport = LambdaTransport(client=fake)
    result = await transport.send("accounts", "lambda:bff-dev-accounts:live", QUERY, {"x-api-key": "k1", "X-Request-Id": "r"})
    assert result == {"data": {"ok": True}}
    call = fake.calls[0]
    assert call["FunctionName"] == "bff-dev-accounts" and call["Qualifier"] == "live"
    assert call["InvocationType"] == "RequestResponse"
    event = json.loads(call["Payload"])
    assert event["version"] == "2.0" and event["rawPath"] == "/graphql"
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["headers"]["x-api-key"] == "k1" and event["headers"]["x-request-id"] == "r"
    assert event["headers"]["content-type"] == "application/json"
    assert json.loads(event["body"]) == QUERY


async def test_base64_bodies_and_graphql_errors_on_non_2xx_are_read() -> None:
    body = base64.b64encode(json.dumps({"errors": [{"message": "Missing or invalid API key."}]}).encode()).decode()
    fake = FakeLambda(lambda event: {"statusCode": 401, "body": body, "isBase64Encoded": True})
    result = await LambdaTransport(client=fake).send("accounts", "lambda:f", QUERY)
    assert result["errors"][0]["message"] == "Missing or invalid API key."


@pytest.mark.parametrize(("fake", "message"), [
    (FakeLambda(function_error="Unhandled", answer=lambda e: {"errorMessage": "boom at /var/task/x.py", "errorType": "KeyError"}),
     'Subgraph "accounts" failed while answering'),
    (FakeLambda(error=ClientError("TooManyRequestsException")), 'Subgraph "accounts" is throttled; try again later'),
    (FakeLambda(error=ReadTimeoutError("read timeout on endpoint URL")), 'Subgraph "accounts" did not answer in time'),
    (FakeLambda(error=ClientError("ResourceNotFoundException")), 'Subgraph "accounts" could not be reached'),
    (FakeLambda(error=ClientError("AccessDeniedException")), 'Subgraph "accounts" could not be reached'),
    (FakeLambda(lambda e: {"statusCode": 502, "body": "Bad Gateway"}), 'Subgraph "accounts" answered HTTP 502'),
    (FakeLambda(lambda e: {"statusCode": 200, "body": "<html>"}),
     'Subgraph "accounts" answered something that is not a GraphQL response'),
    (FakeLambda(lambda e: ["not", "a", "proxy", "response"]),
     'Subgraph "accounts" answered something that is not a GraphQL response'),
])
async def test_failures_become_client_safe_subgraph_failures(fake: FakeLambda, message: str) -> None:
    with pytest.raises(SubgraphFailure) as caught:
        await LambdaTransport(client=fake).send("accounts", "lambda:bff-dev-accounts", QUERY)
    assert str(caught.value) == message  # no function name, ARN, stack trace or AWS message


async def test_a_slow_function_times_out() -> None:
    transport = LambdaTransport(timeout=0.05, client=FakeLambda(delay=2.0))
    started = time.monotonic()
    with pytest.raises(SubgraphFailure, match="did not answer in time"):
        await transport.send("reviews", "lambda:f", QUERY)
    assert time.monotonic() - started < 1.9
    await transport.aclose()


async def test_concurrent_invokes_are_bounded() -> None:
    fake = FakeLambda(delay=0.05)
    transport = LambdaTransport(max_concurrency=2, client=fake)
    results = await asyncio.gather(*(transport.send("s", "lambda:f", QUERY) for _ in range(6)))
    assert len(results) == 6 and fake.max_in_flight == 2
    await transport.aclose()


async def test_http_transport_dispatches_lambda_endpoints_with_the_api_key() -> None:
    fake = FakeLambda()
    transport = HttpTransport(api_keys={"accounts": "secret-key"})
    transport._lambda_transport()._client = fake
    assert await transport.send("accounts", "lambda:bff-dev-accounts", QUERY) == {"data": {"ok": True}}
    assert json.loads(fake.calls[0]["Payload"])["headers"]["x-api-key"] == "secret-key"
    await transport.aclose()


def test_endpoint_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BFF_LAMBDA_ENDPOINT_URL", "http://127.0.0.1:3002")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    transport = LambdaTransport()
    assert transport._lambda_client().meta.endpoint_url == "http://127.0.0.1:3002"
