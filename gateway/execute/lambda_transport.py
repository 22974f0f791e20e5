"""Calling a subgraph that is a Lambda function, by direct invoke instead of HTTP.

Endpoint syntax: `lambda:FUNCTION[:ALIAS]`, FUNCTION a function name (what the
registry validates), ALIAS a version or alias.
The request travels as an API Gateway HTTP API (payload 2.0) event for
`POST /graphql`, so the service's own Mangum handler answers it exactly as it
answers its HTTP endpoint: same API-key check, same GraphQL over HTTP rules.
Skipping API Gateway saves its latency and cost and keeps the service private
(only roles allowed lambda:InvokeFunction can reach it).

The Invoke call is signed and sent by the gateway itself (see LambdaTransport).
BFF_LAMBDA_ENDPOINT_URL (or AWS_ENDPOINT_URL_LAMBDA) points it elsewhere, e.g.
serverless-offline's Lambda port.
"""

from __future__ import annotations

import asyncio
import base64
import os
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

import orjson

from .errors import SubgraphFailure

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

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
            # The client request's id (x-request-id, API Gateway's on Lambda): the service's logs carry it too.
            "requestId": merged.get("x-request-id") or uuid.uuid4().hex,
            "routeKey": "POST /graphql",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": body.decode(),
        "isBase64Encoded": False,
    }


def invoke_request(endpoint: str, function: str, alias: str | None, event: bytes, credentials: Any, region: str,
                   now: Any = None) -> tuple[str, dict[str, str]]:
    """The URL and signed headers of a RequestResponse Invoke (botocore sends the same: tests/aws/test_sigv4.py)."""
    from urllib.parse import quote, urlsplit

    from bff_common.aws.sigv4 import sign

    parts = urlsplit(endpoint.rstrip("/"))
    path = f"{parts.path}/2015-03-31/functions/{quote(function, safe='')}/invocations"
    query = {"Qualifier": alias} if alias else {}
    url = f"{parts.scheme}://{parts.netloc}{path}" + (f"?Qualifier={quote(alias, safe='')}" if alias else "")
    headers = sign("POST", parts.netloc, path, query, {"x-amz-invocation-type": "RequestResponse"}, event,
                   credentials, region, "lambda", now)
    return url, headers


class LambdaTransport:
    """Sends GraphQL requests to Lambda functions with Invoke (RequestResponse).

    The Invoke API call is signed here (bff_common/aws/sigv4.py) and sent on the gateway's own
    asyncio HTTP client (http11.py): no boto3 import (180-300 ms of a cold start) and no
    client creation (~80 ms more), no thread per invoke, and no hidden retries: botocore
    retried a failed invoke once more after the subgraph timeout. `client` (a boto3-shaped
    Lambda client: tests, embedders) and missing environment credentials (a developer's
    profile or SSO) use boto3 in a thread pool instead, with botocore's retries off.

    Cold starts: on its first request the transport warms every other Lambda subgraph of
    the graph (`warm`: a GET /health invoke each, in parallel), and a request to a function
    still warming waits for that warm-up to end and reuses its environment. A fully cold
    query then pays one wave of service cold starts, not one per step of its plan.
    """

    def __init__(self, timeout: float = 30.0, max_concurrency: int = 16, client: Any = None,
                 endpoint_url: str | None = None, warm: tuple[str, ...] = ()) -> None:
        self.timeout = timeout
        self.max_concurrency = max_concurrency
        self.endpoint_url = endpoint_url if endpoint_url is not None else (os.environ.get(ENDPOINT_ENV) or None)
        self._client = client
        self._client_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._http: Any = None  # http11.HttpClient, created on the first native invoke
        self._signing: Any = None  # (credentials, region), read from the environment once
        self.warm_endpoints = tuple(warm)  # lambda: URLs to warm on the first request
        self._warming: dict[str, asyncio.Future[None]] = {}  # function -> its warm-up, while it runs
        self._invoked: set[str] = set()
        self._warm_task: asyncio.Task[None] | None = None

    async def send(self, service: str, url: str, body: dict[str, Any], headers: dict[str, str] | None = None,
                   call: Any = None) -> dict[str, Any]:
        """Invoke the function behind `url`; returns the GraphQL response map, else SubgraphFailure.
        (A SubgraphTransport: the function's response headers reach `call.response_headers` as over HTTP.)"""
        try:
            function, alias = parse_endpoint(url)
        except ValueError:
            raise SubgraphFailure(f'Subgraph "{service}" has an unusable endpoint') from None
        event = orjson.dumps(http_api_event(orjson.dumps(body), headers))
        first = not self._invoked
        self._invoked.add(url)
        if first and self.warm_endpoints:
            # Later, so that every fetch of the plan's first wave has registered its own invoke.
            self._warm_task = asyncio.get_running_loop().create_task(self._warm_later())
        warming = self._warming.get(url)
        try:
            async with asyncio.timeout(self.timeout):
                if warming is not None:
                    await asyncio.shield(warming)  # then the warmed environment takes this invoke
                result = await self._invoke(function, alias, event, mutation=_is_mutation(body),
                                            trace=(headers or {}).get("x-amzn-trace-id"))
        except TimeoutError:
            raise SubgraphFailure(f'Subgraph "{service}" did not answer in time', timeout=True) from None
        except _InvokeFailure as failure:
            raise SubgraphFailure(f'Subgraph "{service}" {failure.what}', timeout=failure.timeout) from None
        return _graphql_payload(service, result, call)

    async def _warm_later(self) -> None:
        await asyncio.sleep(0.005)
        targets = [u for u in dict.fromkeys(self.warm_endpoints) if u not in self._invoked]
        if not targets:
            return
        loop = asyncio.get_running_loop()
        for url in targets:
            self._warming[url] = loop.create_task(self._warm_one(url))
        await asyncio.gather(*self._warming.values(), return_exceptions=True)

    async def _warm_one(self, url: str) -> None:
        """One GET /health invoke: the function's environment initialized; its answer is not needed."""
        try:
            function, alias = parse_endpoint(url)
            event = http_api_event(b"", None)
            event.update(routeKey="GET /health", rawPath="/health", body="")
            event["requestContext"].update(routeKey="GET /health")
            event["requestContext"]["http"].update(method="GET", path="/health")
            async with asyncio.timeout(self.timeout):
                await self._invoke(function, alias, orjson.dumps(event), mutation=False)
        except (Exception, asyncio.CancelledError):
            pass  # a warm-up that fails changes nothing: the real invoke reports its own failure
        finally:
            self._warming.pop(url, None)

    async def _invoke(self, function: str, alias: str | None, event: bytes, mutation: bool,
                      trace: str | None = None) -> dict[str, Any]:
        if self._client is None and self._signing is None:
            from bff_common.aws.sigv4 import credentials_from_env, region_from_env

            credentials = credentials_from_env()
            self._signing = (credentials, region_from_env()) if credentials else False
        if self._client is not None or not self._signing:
            return await self._invoke_in_thread(function, alias, event)
        return await self._invoke_native(function, alias, event, mutation, trace)

    async def _invoke_native(self, function: str, alias: str | None, event: bytes, mutation: bool,
                             trace: str | None = None) -> dict[str, Any]:
        """POST /2015-03-31/functions/NAME/invocations, signed; the answer as `_graphql_payload` reads it.
        `trace`: the request's X-Ray trace header (API Gateway's x-amzn-trace-id, propagated), sent as the
        Invoke call's X-Amzn-Trace-Id so a traced service joins the caller's trace, as the X-Ray SDK does."""
        from bff_common.aws.sigv4 import endpoint_url

        from . import http11

        credentials, region = self._signing
        url, headers = invoke_request(self.endpoint_url or endpoint_url("lambda", region), function, alias, event,
                                      credentials, region)
        del headers["host"]  # the HTTP client writes Host from the URL, the same value
        if trace:
            headers["x-amzn-trace-id"] = trace  # not signed (SigV4 signs only the headers it lists)
        if self._http is None:
            self._http = http11.HttpClient(self.timeout, self.max_concurrency)
        try:
            response = await self._http.post(url, event, headers, retry_stale=not mutation)
        except http11.HttpTimeout:
            raise _InvokeFailure("did not answer in time", timeout=True) from None
        except http11.HttpError:
            raise _InvokeFailure("could not be reached") from None
        if response.status >= 400:
            code = response.headers.get("x-amzn-errortype", "").split(":")[0]
            if response.status == 429 or code in ("TooManyRequestsException", "ThrottlingException"):
                raise _InvokeFailure("is throttled; try again later")
            raise _InvokeFailure("could not be reached")
        return {"function_error": response.headers.get("x-amz-function-error"), "payload": response.body,
                "status": response.status}

    async def _invoke_in_thread(self, function: str, alias: str | None, event: bytes) -> dict[str, Any]:
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="bff-lambda-invoke")
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._invoke_blocking, function, alias,
                                                                event)

    def _invoke_blocking(self, function: str, alias: str | None, event: bytes) -> dict[str, Any]:
        """Blocking: one boto3 `invoke`, its errors mapped to client-safe SubgraphFailure messages."""
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

                    # No retries: they would stack past the request's deadline (the transport's caller
                    # decides about retrying).
                    config = Config(connect_timeout=min(5.0, self.timeout), read_timeout=self.timeout,
                                    retries={"mode": "standard", "max_attempts": 1},
                                    max_pool_connections=self.max_concurrency)
                    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
                    self._client = boto3.session.Session().client("lambda", region_name=region,
                                                                  endpoint_url=self.endpoint_url, config=config)
        return self._client

    async def aclose(self) -> None:
        if self._warm_task is not None:
            self._warm_task.cancel()
            self._warm_task = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


class _InvokeFailure(Exception):
    """Raised by an invoke; `send` turns it into a SubgraphFailure naming the subgraph."""

    def __init__(self, what: str, timeout: bool = False) -> None:
        super().__init__(what)
        self.what, self.timeout = what, timeout


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
        return _InvokeFailure("did not answer in time", timeout=True)
    return _InvokeFailure("could not be reached")


def _is_mutation(body: dict[str, Any]) -> bool:
    query = body.get("query")
    return isinstance(query, str) and query.lstrip().startswith("mutation")


def proxy_headers(proxy: dict[str, Any]) -> dict[str, str]:
    """A proxy response's headers as the HTTP transport reports them: lower-cased names, repeated values
    joined with ", " and Set-Cookie values with MULTI_SEPARATOR. Payload 2.0 carries `headers` and
    `cookies`; payload 1.0 (and Mangum answering a v1 event) `headers` and `multiValueHeaders`."""
    from .headers import MULTI_SEPARATOR

    values: dict[str, list[str]] = {}
    single = proxy.get("headers")
    multi = proxy.get("multiValueHeaders")
    if isinstance(multi, dict):
        for name, listed in multi.items():
            if isinstance(listed, list):
                values.setdefault(str(name).lower(), []).extend(str(v) for v in listed)
    if isinstance(single, dict):
        for name, value in single.items():
            key = str(name).lower()
            if key not in values or str(value) not in values[key]:  # v1 may repeat a value in both maps
                values.setdefault(key, []).append(str(value))
    cookies = proxy.get("cookies")
    if isinstance(cookies, list):
        values.setdefault("set-cookie", []).extend(str(c) for c in cookies)
    return {name: (MULTI_SEPARATOR if name == "set-cookie" else ", ").join(listed)
            for name, listed in values.items() if listed}


def _graphql_payload(service: str, result: dict[str, Any], call: Any = None) -> dict[str, Any]:
    """The GraphQL response inside the function's proxy response (its headers to `call`, when given)."""
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
        if call is not None:
            call.response_headers = proxy_headers(proxy)
        return payload
    if status >= 400:
        raise SubgraphFailure(f'Subgraph "{service}" answered HTTP {status}')
    raise SubgraphFailure(f'Subgraph "{service}" answered something that is not a GraphQL response')
