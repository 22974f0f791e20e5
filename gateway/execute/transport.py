"""Talking to subgraphs over HTTP: one pooled client for the gateway's lifetime.

httpx is imported on first use, not at import time (a Lambda cold start that
never calls a subgraph should not pay for it).
"""

from __future__ import annotations

from typing import Any

import orjson


class SubgraphFailure(Exception):
    """A subgraph did not give a usable GraphQL response. The message is safe to show clients."""


class HttpTransport:
    def __init__(self, timeout: float = 30.0, max_connections: int = 100) -> None:
        self.timeout = timeout
        self.max_connections = max_connections
        self._client: Any = None

    def _get_client(self) -> Any:
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout),
                limits=httpx.Limits(max_connections=self.max_connections, max_keepalive_connections=self.max_connections),
                headers={"content-type": "application/json", "accept": "application/graphql-response+json, application/json"},
            )
        return self._client

    async def send(self, service: str, url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        """POST a GraphQL request; returns the response map ({"data", "errors"})."""
        import httpx

        client = self._get_client()
        try:
            response = await client.post(url, content=orjson.dumps(body), headers=headers)
        except httpx.TimeoutException:
            raise SubgraphFailure(f'Subgraph "{service}" did not answer in time') from None
        except httpx.HTTPError:
            raise SubgraphFailure(f'Subgraph "{service}" could not be reached') from None
        try:
            payload = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            payload = None
        if isinstance(payload, dict) and ("data" in payload or "errors" in payload):
            return payload
        if response.status_code >= 400:
            raise SubgraphFailure(f'Subgraph "{service}" answered HTTP {response.status_code}')
        raise SubgraphFailure(f'Subgraph "{service}" answered something that is not a GraphQL response')

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
