"""Real API Gateway payload shapes (HTTP API v2, REST v1, authorizer events) for handler tests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any


def http_v2(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
            authorizer: dict[str, Any] | None = None, query: str = "") -> dict[str, Any]:
    """An HTTP API payload format 2.0 event, as API Gateway sends it."""
    event: dict[str, Any] = {
        "version": "2.0", "routeKey": f"{method} {path}", "rawPath": path, "rawQueryString": query,
        "headers": {"content-type": "application/json", "host": "abc123.execute-api.eu-west-1.amazonaws.com",
                    **{k.lower(): v for k, v in (headers or {}).items()}},
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abc123", "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                                               "sourceIp": "203.0.113.7", "userAgent": "pytest"},
            "requestId": "req-1", "routeKey": f"{method} {path}", "stage": "$default",
            "time": "23/Nov/2026:10:00:00 +0000", "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": False,
    }
    if body is not None:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
    if authorizer is not None:
        event["requestContext"]["authorizer"] = {"lambda": authorizer}
    return event


def rest_v1(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A REST API (payload 1.0) proxy event, base64 body included."""
    headers = {"Content-Type": "application/json", "Host": "abc123.execute-api.eu-west-1.amazonaws.com",
               **(headers or {})}
    raw = None if body is None else (body if isinstance(body, str) else json.dumps(body))
    return {
        "resource": path, "path": path, "httpMethod": method, "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": None, "stageVariables": None,
        "requestContext": {"accountId": "123456789012", "apiId": "abc123", "httpMethod": method, "path": f"/prod{path}",
                           "stage": "prod", "requestId": "req-2", "resourcePath": path,
                           "identity": {"sourceIp": "203.0.113.7", "userAgent": "pytest"}},
        "body": None if raw is None else base64.b64encode(raw.encode()).decode(),
        "isBase64Encoded": raw is not None,
    }


def authorizer_v2(authorization: str | None) -> dict[str, Any]:
    """An HTTP API REQUEST authorizer event (payload 2.0), identity source the Authorization header."""
    event = http_v2("POST", "/graphql", headers={} if authorization is None else {"authorization": authorization})
    event.update(type="REQUEST", routeArn="arn:aws:execute-api:eu-west-1:123456789012:abc123/$default/POST/graphql",
                 identitySource=[] if authorization is None else [authorization])
    return event


def authorizer_rest_token(authorization: str) -> dict[str, Any]:
    """A REST API TOKEN authorizer event."""
    return {"type": "TOKEN", "authorizationToken": authorization,
            "methodArn": "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/POST/graphql"}


def hs256_token(secret: str, claims: dict[str, Any]) -> str:
    """A compact HS256 JWT (the authorizer accepts HS256 when BFF_JWT_HS256_SECRET is set)."""
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"
