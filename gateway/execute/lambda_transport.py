"""Calling a subgraph that is a Lambda function, by direct invoke instead of HTTP.

Endpoint syntax: `lambda:FUNCTION[:ALIAS]`, FUNCTION a function name (what the
registry validates), ALIAS a version or alias.
The request travels as an API Gateway HTTP API (payload 2.0) event for
`POST /graphql`, so the service's own Mangum handler answers it exactly as it
answers its HTTP endpoint: same API-key check, same GraphQL over HTTP rules.
Skipping API Gateway saves its latency and cost and keeps the service private
(only roles allowed lambda:InvokeFunction can reach it).

boto3 is imported on the first invoke (a gateway with HTTP subgraphs only never
pays for it). Its `invoke` blocks, so it runs in a dedicated thread pool whose
size bounds the concurrent invokes (asyncio's default pool is sized by CPU count,
two or three threads on a small Lambda). BFF_LAMBDA_ENDPOINT_URL points the client
elsewhere, e.g. serverless-offline's Lambda port.
"""

from __future__ import annotations

import asyncio
import base64
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

from .errors import SubgraphFailure

SCHEME = "lambda:"
ENDPOINT_ENV = "BFF_LAMBDA_ENDPOINT_URL"
_BASE_HEADERS = {"content-type": "application/json", "accept": "application/graphql-response+json, application/json"}


def parse_endpoint(url: str) -> tuple[str, str | None]:
    """`lambda:FUNCTION[:ALIAS]` -> (FUNCTION, ALIAS or None); ValueError otherwise."""
    if not url.startswith(SCHEME):
        raise ValueError(f"not a Lambda endpoint: {url!r}")
    name, _, alias = url[len(SCHEME):].partition(":")
    if not name or ":" in alias:
        raise ValueError(f"bad Lambda endpoint {url!r}: expected lambda:FUNCTION[:ALIAS]")
    return name, alias or None


def http_api_event(body: bytes, headers: dict[str, str] | None) -> dict[str, Any]:
    """An API Gateway HTTP API (payload format 2.0) event for POST /graphql carrying `body`."""
    now = time.time()
    merged = {**_BASE_HEADERS, **{k.lower(): v for k, v in (headers or {}).items()}}
    return {
        "version": "2.0",
        "routeKey": "POST /graphql",
        "rawPath": "/graphql",
        "rawQueryString": "",
        "headers": merged,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "bff-gateway-invoke",
            "domainName": "lambda.invoke",
            "domainPrefix": "lambda",
            "http": {"method": "POST", "path": "/graphql", "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": "bff-gateway"},
            "requestId": uuid.uuid4().hex,
            "routeKey": "POST /graphql",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": body.decode(),
        "isBase64Encoded": False,
    }


class LambdaTransport:
    """Sends GraphQL requests to Lambda functions with `invoke` (RequestResponse)."""

    def __init__(self, timeout: float = 30.0, max_concurrency: int = 16, client: Any = None,
                 endpoint_url: str | None = None) -> None:
        self.timeout = timeout
        self.max_concurrency = max_concurrency
        self.endpoint_url = endpoint_url if endpoint_url is not None else (os.environ.get(ENDPOINT_ENV) or None)
        self._client = client
        self._client_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    async def send(self, service: str, url: str, body: dict[str, Any], headers: dict[str, str] | None = None,
                   call: Any = None) -> dict[str, Any]:
        """Invoke the function behind `url`; returns the GraphQL response map, else SubgraphFailure.
        (A SubgraphTransport; `call` is accepted and its response headers are not reported.)"""
        try:
            function, alias = parse_endpoint(url)
        except ValueError:
            raise SubgraphFailure(f'Subgraph "{service}" has an unusable endpoint') from None
        event = orjson.dumps(http_api_event(orjson.dumps(body), headers))
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="bff-lambda-invoke")
        loop = asyncio.get_running_loop()
        try:
            result = await asyncio.wait_for(
                loop.run_in_executor(self._pool, self._invoke, function, alias, event), self.timeout + 1.0)
        except asyncio.TimeoutError:
            raise SubgraphFailure(f'Subgraph "{service}" did not answer in time') from None
        except _InvokeFailure as failure:
            raise SubgraphFailure(f'Subgraph "{service}" {failure.what}') from None
        return _graphql_payload(service, result)

    def _invoke(self, function: str, alias: str | None, event: bytes) -> dict[str, Any]:
        """Blocking: one `invoke`, its errors mapped to client-safe SubgraphFailure messages."""
        client = self._lambda_client()
        args: dict[str, Any] = {"FunctionName": function, "InvocationType": "RequestResponse", "Payload": event}
        if alias:
            args["Qualifier"] = alias
        try:
            response = client.invoke(**args)
            payload = response["Payload"].read()
        except Exception as error:  # botocore's errors, classified by name (botocore is imported lazily)
            raise _failure(function, error) from None
        return {"function_error": response.get("FunctionError"), "payload": payload,
                "status": response.get("StatusCode", 200)}

    def _lambda_client(self) -> Any:
        if self._client is None:
            with self._client_lock:
                if self._client is None:
                    import boto3
                    from botocore.config import Config

                    config = Config(connect_timeout=min(5.0, self.timeout), read_timeout=self.timeout,
                                    retries={"mode": "standard", "max_attempts": 2},
                                    max_pool_connections=self.max_concurrency)
                    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
                    self._client = boto3.session.Session().client("lambda", region_name=region,
                                                                  endpoint_url=self.endpoint_url, config=config)
        return self._client

    async def aclose(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


class _InvokeFailure(Exception):
    """Raised in the worker thread; `send` turns it into a SubgraphFailure naming the subgraph."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def _failure(function: str, error: Exception) -> _InvokeFailure:
    """Throttling and timeouts said as such; everything else (no such function, denied, network) alike."""
    name = type(error).__name__
    code = ""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = str(response.get("Error", {}).get("Code", ""))
    if code in ("TooManyRequestsException", "ThrottlingException") or name == "TooManyRequestsException":
        return _InvokeFailure("is throttled; try again later")
    if "Timeout" in name:
        return _InvokeFailure("did not answer in time")
    return _InvokeFailure("could not be reached")


def _graphql_payload(service: str, result: dict[str, Any]) -> dict[str, Any]:
    """The GraphQL response inside the function's proxy response."""
    if result["function_error"]:
        raise SubgraphFailure(f'Subgraph "{service}" failed while answering')
    try:
        proxy = orjson.loads(result["payload"])
    except orjson.JSONDecodeError:
        proxy = None
    if not isinstance(proxy, dict) or not isinstance(proxy.get("statusCode"), int):
        raise SubgraphFailure(f'Subgraph "{service}" answered something that is not a GraphQL response')
    status = proxy["statusCode"]
    body = proxy.get("body") or ""
    try:
        raw = base64.b64decode(body) if proxy.get("isBase64Encoded") else body.encode()
        payload = orjson.loads(raw)
    except (ValueError, TypeError, AttributeError):
        payload = None
    if isinstance(payload, dict) and ("data" in payload or "errors" in payload):
        return payload
    if status >= 400:
        raise SubgraphFailure(f'Subgraph "{service}" answered HTTP {status}')
    raise SubgraphFailure(f'Subgraph "{service}" answered something that is not a GraphQL response')
