"""Talking to subgraphs: the `SubgraphTransport` protocol and its HTTP implementations.

A transport sends one GraphQL request and returns the response map, or raises
`SubgraphFailure` with a message that names the service, never its URL. The
gateway's default, `HttpTransport`, routes by endpoint: `lambda:FUNCTION` to
`LambdaTransport` (lambda_transport.py), anything else over HTTP with the
gateway's own asyncio HTTP/1.1 client (`NativeTransport`, http11.py; httpx cost
about half the gateway's CPU under load and ~190 ms of import at a Lambda cold
start) or with httpx:

    BFF_HTTP_CLIENT=httpx     use httpx (imported only then, on first request)
    BFF_HTTP_CLIENT=native    the default

Retries, circuit breakers and per-subgraph timeouts wrap any transport
(`resilience.ResilientTransport`); header rules and the gateway's own
headers are the pipeline's (pipeline/builtins.py), not the transport's.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from . import http11
from .errors import SubgraphFailure
from .headers import MULTI_SEPARATOR

if TYPE_CHECKING:  # imported on the first lambda: endpoint only
    from .lambda_transport import LambdaTransport

# HTTP statuses without a GraphQL body that a query may be retried after (resilience.py).
RETRY_STATUSES = frozenset({502, 503, 504})
CLIENT_ENV = "BFF_HTTP_CLIENT"
CLIENTS = ("native", "httpx")


class SubgraphTransport(Protocol):
    """What the executor calls. `call` (pipeline.SubgraphCall), when given, receives the answer's
    headers in `call.response_headers` (lower-cased names; Set-Cookie values joined with "\\n")."""

    async def send(self, service: str, url: str, body: dict[str, Any], headers: dict[str, str] | None = None,
                   call: Any = None) -> dict[str, Any]: ...

    async def aclose(self) -> None: ...


def is_mutation(body: dict[str, Any]) -> bool:
    """Whether a subgraph request is a mutation (its document starts with "mutation")."""
    query = body.get("query")
    return isinstance(query, str) and query.lstrip().startswith("mutation")


def graphql_payload(service: str, status: int, answer_headers: Mapping[str, str], payload_bytes: bytes,
                    call: Any) -> dict[str, Any]:
    """The GraphQL response map in an HTTP answer (whatever its status), else SubgraphFailure."""
    try:
        payload = orjson.loads(payload_bytes)
    except orjson.JSONDecodeError:
        payload = None
    if isinstance(payload, dict) and ("data" in payload or "errors" in payload):
        if call is not None:
            call.response_headers = answer_headers
        return payload
    if status >= 400:
        raise SubgraphFailure(f'Subgraph "{service}" answered HTTP {status}', retryable=status in RETRY_STATUSES)
    raise SubgraphFailure(f'Subgraph "{service}" answered something that is not a GraphQL response')


class NativeTransport:
    """HTTP subgraphs through http11.HttpClient: pooled keep-alive connections, `timeout` per request."""

    def __init__(self, timeout: float = 30.0, max_connections: int = 100) -> None:
        self.timeout = timeout
        self.max_connections = max_connections
        self._client: http11.HttpClient | None = None

    async def send(self, service: str, url: str, body: dict[str, Any], headers: dict[str, str] | None = None,
                   call: Any = None) -> dict[str, Any]:
        return await self.post(service, url, orjson.dumps(body), headers, not is_mutation(body), call)

    async def post(self, service: str, url: str, content: bytes, headers: dict[str, str] | None,
                   retry_stale: bool = True, call: Any = None) -> dict[str, Any]:
        """`send` with the body already serialized; `retry_stale` False for mutations."""
        client = self._client
        if client is None:
            client = self._client = http11.HttpClient(self.timeout, self.max_connections)
        try:
            response = await client.post(url, content, headers, retry_stale=retry_stale)
        except http11.HttpTimeout:
            raise SubgraphFailure(f'Subgraph "{service}" did not answer in time', retryable=True, timeout=True) from None
        except http11.ResponseTooLarge:
            raise SubgraphFailure(f'Subgraph "{service}" answered more than the gateway accepts') from None
        except http11.MalformedResponse:
            raise SubgraphFailure(f'Subgraph "{service}" answered something that is not a GraphQL response') from None
        except http11.ConnectFailed as error:
            # Not retried once part of the answer had arrived: the subgraph has seen the request.
            started = getattr(error, "started", False)
            raise SubgraphFailure(f'Subgraph "{service}" could not be reached', retryable=not started) from None
        except http11.HttpError:
            raise SubgraphFailure(f'Subgraph "{service}" could not be reached') from None
        return graphql_payload(service, response.status, response.headers, response.body, call)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class HttpxTransport:
    """HTTP subgraphs through httpx (imported on the first request)."""

    def __init__(self, timeout: float = 30.0, max_connections: int = 100) -> None:
        self.timeout = timeout
        self.max_connections = max_connections
        self._client: Any = None

    async def send(self, service: str, url: str, body: dict[str, Any], headers: dict[str, str] | None = None,
                   call: Any = None) -> dict[str, Any]:
        return await self.post(service, url, orjson.dumps(body), headers, True, call)

    async def post(self, service: str, url: str, content: bytes, headers: dict[str, str] | None,
                   retry_stale: bool = True, call: Any = None) -> dict[str, Any]:
        """`send` with the body already serialized (`retry_stale`: unused, httpx decides)."""
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout),
                limits=httpx.Limits(max_connections=self.max_connections,
                                    max_keepalive_connections=self.max_connections),
                headers={"content-type": "application/json",
                         "accept": "application/graphql-response+json, application/json"},
            )
        try:
            response = await self._client.post(url, content=content, headers=headers)
        except httpx.TimeoutException:
            raise SubgraphFailure(f'Subgraph "{service}" did not answer in time', retryable=True, timeout=True) from None
        except httpx.HTTPError:
            raise SubgraphFailure(f'Subgraph "{service}" could not be reached', retryable=True) from None
        answer = {k.lower(): v for k, v in response.headers.items() if k.lower() != "set-cookie"}
        cookies = response.headers.get_list("set-cookie")
        if cookies:
            answer["set-cookie"] = MULTI_SEPARATOR.join(cookies)
        return graphql_payload(service, response.status_code, answer, response.content, call)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class HttpTransport:
    """The gateway's default transport: `lambda:` endpoints by direct invoke, others over HTTP
    (native or httpx per BFF_HTTP_CLIENT, read here); adds each subgraph's X-API-Key."""

    def __init__(self, timeout: float = 30.0, max_connections: int = 100,
                 api_keys: dict[str, str] | None = None, *, identity: Any = None,
                 warm_lambdas: tuple[str, ...] = ()) -> None:
        self.timeout = timeout
        # lambda: endpoints warmed on the first Lambda invoke (lambda_transport.py: one wave of cold starts)
        self.warm_lambdas = tuple(warm_lambdas)
        self.max_connections = max_connections
        # service name -> resolved key, sent as X-API-Key (never logged, never in errors)
        self._api_keys = dict(api_keys or {})
        # bff_common/identity.IdentitySigner: signs the x-bff-principal the pipeline put in the headers
        # for the service, method and body bytes (here: each attempt gets a fresh timestamp).
        self.identity = identity
        choice = os.environ.get(CLIENT_ENV, "").strip().lower() or "native"
        if choice not in CLIENTS:
            raise ValueError(f"{CLIENT_ENV}={choice!r}: expected one of {', '.join(CLIENTS)}")
        self.client_name = choice
        http_class = HttpxTransport if choice == "httpx" else NativeTransport
        self.http: NativeTransport | HttpxTransport = http_class(timeout, max_connections)
        self._lambda: LambdaTransport | None = None  # created on the first lambda: endpoint

    async def send(self, service: str, url: str, body: dict[str, Any], headers: dict[str, str] | None = None,
                   call: Any = None) -> dict[str, Any]:
        """POST a GraphQL request; returns the response map ({"data", "errors"}), even on a non-2xx status."""
        content = orjson.dumps(body)
        if self.identity is not None:  # signed over the exact bytes sent
            headers = self.identity.sign(service, "POST", content, headers)
        key = self._api_keys.get(service)
        if key is not None:
            headers = {**headers, "x-api-key": key} if headers else {"x-api-key": key}
        if url.startswith("lambda:"):  # lambda:FUNCTION[:ALIAS]: direct invoke (lambda_transport.py, same bytes)
            return await self._lambda_transport().send(service, url, body, headers, call)
        return await self.http.post(service, url, content, headers, not is_mutation(body), call)

    def _lambda_transport(self) -> LambdaTransport:
        if self._lambda is None:
            from .lambda_transport import LambdaTransport

            self._lambda = LambdaTransport(timeout=self.timeout, max_concurrency=min(self.max_connections, 32),
                                           warm=self.warm_lambdas)
        return self._lambda

    async def aclose(self) -> None:
        await self.http.aclose()
        if self._lambda is not None:
            await self._lambda.aclose()
            self._lambda = None
