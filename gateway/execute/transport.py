"""Talking to subgraphs over HTTP: one pooled client for the gateway's lifetime.

The client is the gateway's own asyncio HTTP/1.1 client (`http11.py`): httpx
cost about half the gateway's CPU under load and ~190 ms of import at a Lambda
cold start. httpx remains available as a fallback:

    BFF_HTTP_CLIENT=httpx     use httpx (imported only then, on first request)
    BFF_HTTP_CLIENT=native    the default

The variable is read when an HttpTransport is created. Either way, failures
become SubgraphFailure with a message that names the service, never its URL.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import orjson

from . import headers as header_rules
from . import http11
from .errors import SubgraphFailure
from .resilience import RETRY_STATUSES, Breakers, RetryPolicy

CLIENT_ENV = "BFF_HTTP_CLIENT"
CLIENTS = ("native", "httpx")


def is_mutation(body: dict[str, Any]) -> bool:
    """Whether a subgraph request is a mutation (its document starts with "mutation")."""
    query = body.get("query")
    return isinstance(query, str) and query.lstrip().startswith("mutation")


class HttpTransport:
    def __init__(self, timeout: float = 30.0, max_connections: int = 100,
                 api_keys: dict[str, str] | None = None, *, timeouts: dict[str, float] | None = None,
                 retry: RetryPolicy | None = None, breakers: Breakers | None = None,
                 headers: header_rules.HeaderRules | None = None, identity: Any = None) -> None:
        self.timeout = timeout
        # Per-subgraph deadlines (service name -> seconds); others get `timeout`.
        self.timeouts = dict(timeouts or {})
        self.retry = retry  # None: no retries
        self.breakers = breakers  # None: no circuit breaking
        self.header_rules = headers  # None: the caller's headers are sent as given
        # gateway/access/identity.IdentitySigner: signs x-bff-principal for the service, method and body bytes.
        self.identity = identity
        # service name -> resolved key, sent as X-API-Key (never logged, never in errors)
        self._api_keys = dict(api_keys or {})
        self.max_connections = max_connections
        choice = os.environ.get(CLIENT_ENV, "").strip().lower() or "native"
        if choice not in CLIENTS:
            raise ValueError(f"{CLIENT_ENV}={choice!r}: expected one of {', '.join(CLIENTS)}")
        self.client_name = choice
        self._client: Any = None
        self._lambda: Any = None  # LambdaTransport, created on the first lambda: endpoint

    async def send(self, service: str, url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        """POST a GraphQL request; returns the response map ({"data", "errors"}), even on a non-2xx status.

        With header rules, `headers` are the client's request headers and only those the rules name
        are sent. Queries are retried per the retry policy; an open circuit fails fast."""
        if self.header_rules is not None:
            headers = self.header_rules.forward(service, headers)
        breaker = self.breakers[service] if self.breakers is not None else None
        if breaker is not None and not breaker.allow():
            raise SubgraphFailure(f'Subgraph "{service}" is unavailable (circuit open)')
        retries = 0 if self.retry is None or is_mutation(body) else self.retry.max_retries
        attempt = 0
        try:
            while True:
                try:
                    result = await self._send_once(service, url, body, headers)
                except SubgraphFailure as failure:
                    if failure.retryable and attempt < retries and (
                            not failure.timeout or self.retry.retry_timeouts):  # type: ignore[union-attr]
                        await asyncio.sleep(self.retry.delay(attempt))  # type: ignore[union-attr]
                        attempt += 1
                        continue
                    if breaker is not None:
                        breaker.failure()
                    raise
                if breaker is not None:
                    breaker.success()
                return result
        except asyncio.CancelledError:
            if breaker is not None:
                breaker.release()
            raise

    async def _send_once(self, service: str, url: str, body: dict[str, Any], headers: dict[str, str] | None) -> dict[str, Any]:
        content = orjson.dumps(body)
        if self.identity is not None:  # signed over the exact bytes sent (each attempt: a fresh timestamp)
            headers = self.identity.sign(service, "POST", content, headers)
        key = self._api_keys.get(service)
        if key is not None:
            headers = {**headers, "x-api-key": key} if headers else {"x-api-key": key}
        if url.startswith("lambda:"):  # lambda:FUNCTION[:ALIAS]: direct invoke (lambda_transport.py)
            return await self._lambda_transport().send(service, url, body, headers)
        try:
            async with asyncio.timeout(self.timeouts.get(service, self.timeout)):
                if self.client_name == "httpx":
                    status, answer_headers, payload_bytes = await self._post_httpx(service, url, content, headers)
                else:
                    status, answer_headers, payload_bytes = await self._post_native(service, url, content, headers,
                                                                                    not is_mutation(body))
        except TimeoutError:
            raise SubgraphFailure(f'Subgraph "{service}" did not answer in time', retryable=True, timeout=True) from None
        try:
            payload = orjson.loads(payload_bytes)
        except orjson.JSONDecodeError:
            payload = None
        if isinstance(payload, dict) and ("data" in payload or "errors" in payload):
            header_rules.record(answer_headers)
            return payload
        if status >= 400:
            raise SubgraphFailure(f'Subgraph "{service}" answered HTTP {status}', retryable=status in RETRY_STATUSES)
        raise SubgraphFailure(f'Subgraph "{service}" answered something that is not a GraphQL response')

    def _lambda_transport(self) -> Any:
        if self._lambda is None:
            from .lambda_transport import LambdaTransport

            self._lambda = LambdaTransport(timeout=self.timeout, max_concurrency=min(self.max_connections, 32))
        return self._lambda

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._lambda is not None:
            await self._lambda.aclose()
            self._lambda = None

    async def _post_native(self, service: str, url: str, content: bytes, headers: dict[str, str] | None,
                           retry_stale: bool = True) -> tuple[int, dict[str, str], bytes]:
        client = self._client
        if client is None:
            deadline = max([self.timeout, *self.timeouts.values()])  # per-subgraph deadlines are applied in send
            client = self._client = http11.HttpClient(deadline, self.max_connections)
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
        return response.status, response.headers, response.body

    async def _post_httpx(self, service: str, url: str, content: bytes,
                          headers: dict[str, str] | None) -> tuple[int, dict[str, str], bytes]:
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout),
                limits=httpx.Limits(max_connections=self.max_connections, max_keepalive_connections=self.max_connections),
                headers={"content-type": "application/json", "accept": "application/graphql-response+json, application/json"},
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
            answer["set-cookie"] = header_rules.MULTI_SEPARATOR.join(cookies)
        return response.status_code, answer, response.content
