"""API Gateway events (HTTP API v2, REST v1) and a one-container Lambda invoker, for tests
of the Lambda handlers."""

from __future__ import annotations

import asyncio
import base64
import threading
from urllib.parse import urlencode

from gateway.http import lambda_handler


class LambdaContext:
    function_name = "bff"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    memory_limit_in_mb = 512

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def http_api_v2_event(method: str, *, body: str | None = None, query: dict | None = None,
                      headers: dict | None = None, base64_body: bool = False, path: str = "/graphql") -> dict:
    raw_query = urlencode(query or {})
    encoded = base64.b64encode(body.encode()).decode() if (body is not None and base64_body) else body
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": raw_query,
        "cookies": ["session=abc"],
        "headers": {
            "host": "abc123.execute-api.eu-west-1.amazonaws.com",
            "user-agent": "curl/8.5.0",
            "x-forwarded-for": "203.0.113.7",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
            **(headers or {}),
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.7", "userAgent": "curl/8.5.0"},
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "$default",
            "stage": "$default",
            "time": "10/Mar/2025:12:00:00 +0000",
            "timeEpoch": 1741608000000,
        },
        "isBase64Encoded": base64_body,
    }
    if query:
        event["queryStringParameters"] = query
    if encoded is not None:
        event["body"] = encoded
    return event


def rest_v1_event(method: str, *, body: str | None = None, query: dict | None = None,
                  headers: dict | None = None) -> dict:
    headers = {
        "Host": "abc123.execute-api.eu-west-1.amazonaws.com",
        "User-Agent": "curl/8.5.0",
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
        **(headers or {}),
    }
    return {
        "resource": "/graphql",
        "path": "/graphql",
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "resourceId": "a1b2c3",
            "resourcePath": "/graphql",
            "httpMethod": method,
            "path": "/prod/graphql",
            "stage": "prod",
            "protocol": "HTTP/1.1",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "requestTime": "10/Mar/2025:12:00:00 +0000",
            "requestTimeEpoch": 1741608000000,
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "curl/8.5.0"},
        },
        "body": body,
        "isBase64Encoded": False,
    }


def invoke(*events: dict) -> list[dict]:
    """Invoke the handler like one Lambda container: one thread, one event loop, events in order."""
    results: list[dict] = []
    failure: list[BaseException] = []

    def container() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            for event in events:
                results.append(lambda_handler.handler(event, LambdaContext()))
        except BaseException as exc:  # re-raised in the test's thread
            failure.append(exc)
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    thread = threading.Thread(target=container)
    thread.start()
    thread.join(30)
    if failure:
        raise failure[0]
    return results
