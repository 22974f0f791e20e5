"""Realistic API Gateway events: authorizer inputs, and the gateway Lambda's event behind an authorizer."""

from __future__ import annotations

import json
from typing import Any

ACCOUNT, API, REGION = "123456789012", "abc123", "eu-west-1"
REST_METHOD_ARN = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/prod/POST/graphql"


def http_api_authorizer_event(authorization: str | None) -> dict[str, Any]:
    """HTTP API, payload format 2.0 REQUEST authorizer (identity source $request.header.Authorization)."""
    headers = {"accept": "application/json", "content-type": "application/json", "content-length": "42",
               "host": f"{API}.execute-api.{REGION}.amazonaws.com", "user-agent": "Mozilla/5.0",
               "x-amzn-trace-id": "Root=1-65ee1b2c-0f1e2d3c4b5a69788796a5b4", "x-forwarded-for": "203.0.113.7",
               "x-forwarded-port": "443", "x-forwarded-proto": "https"}
    if authorization is not None:
        headers["authorization"] = authorization
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/$default/POST/graphql",
        "identitySource": [authorization] if authorization is not None else [],
        "routeKey": "POST /graphql",
        "rawPath": "/graphql",
        "rawQueryString": "",
        "cookies": ["session=abc"],
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT, "apiId": API, "domainName": f"{API}.execute-api.{REGION}.amazonaws.com",
            "domainPrefix": API,
            "http": {"method": "POST", "path": "/graphql", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7",
                     "userAgent": "Mozilla/5.0"},
            "requestId": "JKJaXmPLvHcESHA=", "routeKey": "POST /graphql", "stage": "$default",
            "time": "10/Mar/2025:12:00:00 +0000", "timeEpoch": 1741608000000,
        },
        "pathParameters": {},
        "stageVariables": {},
    }


def rest_token_event(authorization: str) -> dict[str, Any]:
    """REST API TOKEN authorizer (token source: the Authorization header)."""
    return {"type": "TOKEN", "authorizationToken": authorization, "methodArn": REST_METHOD_ARN}


def rest_request_event(authorization: str | None) -> dict[str, Any]:
    """REST API REQUEST authorizer: headers keep the client's case."""
    headers = {"Accept": "application/json", "Content-Type": "application/json",
               "Host": f"{API}.execute-api.{REGION}.amazonaws.com", "User-Agent": "curl/8.5.0",
               "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Port": "443", "X-Forwarded-Proto": "https"}
    if authorization is not None:
        headers["Authorization"] = authorization
    return {
        "type": "REQUEST",
        "methodArn": REST_METHOD_ARN,
        "resource": "/graphql",
        "path": "/graphql",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {},
        "multiValueQueryStringParameters": {},
        "pathParameters": {},
        "stageVariables": {},
        "requestContext": {
            "resourceId": "a1b2c3", "resourcePath": "/graphql", "httpMethod": "POST",
            "extendedRequestId": "IdL2bFx8joEFXEw=", "requestTime": "10/Mar/2025:12:00:00 +0000",
            "path": "/prod/graphql", "accountId": ACCOUNT, "protocol": "HTTP/1.1", "stage": "prod",
            "domainPrefix": API, "requestTimeEpoch": 1741608000000, "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "curl/8.5.0"},
            "domainName": f"{API}.execute-api.{REGION}.amazonaws.com", "apiId": API,
        },
    }


def gateway_http_api_event(query: str, *, authorizer_context: dict[str, Any] | None,
                           authorization: str | None = None) -> dict[str, Any]:
    """The gateway Lambda's HTTP API v2 event; behind a Lambda authorizer, its context is at authorizer.lambda."""
    headers = {"content-type": "application/json", "accept": "application/json",
               "host": f"{API}.execute-api.{REGION}.amazonaws.com", "x-forwarded-proto": "https"}
    if authorization is not None:
        headers["authorization"] = authorization
    request_context: dict[str, Any] = {
        "accountId": ACCOUNT, "apiId": API, "domainName": f"{API}.execute-api.{REGION}.amazonaws.com",
        "domainPrefix": API,
        "http": {"method": "POST", "path": "/graphql", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7",
                 "userAgent": "curl/8.5.0"},
        "requestId": "JKJaXmPLvHcESHA=", "routeKey": "POST /graphql", "stage": "$default",
        "time": "10/Mar/2025:12:00:00 +0000", "timeEpoch": 1741608000000,
    }
    if authorizer_context is not None:
        request_context["authorizer"] = {"lambda": authorizer_context}
    return {"version": "2.0", "routeKey": "POST /graphql", "rawPath": "/graphql", "rawQueryString": "",
            "headers": headers, "requestContext": request_context, "body": json.dumps({"query": query}),
            "isBase64Encoded": False}


def gateway_rest_event(query: str, *, authorizer: dict[str, Any] | None) -> dict[str, Any]:
    """The gateway Lambda's REST v1 event; a Lambda authorizer's context sits in requestContext.authorizer."""
    event = rest_request_event(None)
    event.pop("type"), event.pop("methodArn")
    event["body"] = json.dumps({"query": query})
    event["isBase64Encoded"] = False
    event["queryStringParameters"] = None
    event["multiValueQueryStringParameters"] = None
    if authorizer is not None:
        event["requestContext"]["authorizer"] = authorizer
    return event
