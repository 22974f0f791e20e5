"""Posting to WebSocket clients through the API Gateway Management API (`POST /@connections/{id}`).

Signed with our own SigV4 (service `execute-api`) and sent over the gateway's pooled keep-alive
HTTP client, concurrently: the fan-out's posts are its one cost that grows with subscribers.
A 410 answer means the client is gone (its connection items are then removed by the caller).
The endpoint is `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}` (the event's
`domainName` and `stage`), or serverless-offline's `http://127.0.0.1:{websocketPort}`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any
from urllib.parse import quote, urlsplit

from bff_common.aws.sigv4 import Credentials, credentials_from_env, region_from_env, sign

GONE = 410


class ManagementApi:
    def __init__(self, endpoint: str, *, credentials: Credentials | None = None, region: str | None = None,
                 timeout: float = 5.0, max_connections: int = 64) -> None:
        from ...execute.http11 import HttpClient

        self.endpoint = endpoint.rstrip("/")
        parts = urlsplit(self.endpoint)
        self.scheme, self.host, self.base_path = parts.scheme, parts.netloc, parts.path
        self.credentials = credentials or credentials_from_env()
        self.region = region or region_from_env()
        self.client = HttpClient(timeout, max_connections)
        self.calls: Counter[str] = Counter()

    def _headers(self, method: str, path: str, body: bytes) -> dict[str, str]:
        headers = {"content-type": "application/json"}
        if self.credentials is None:
            return headers
        signed = sign(method, self.host, path, {}, headers, body, self.credentials, self.region, "execute-api")
        signed.pop("host", None)  # the HTTP client writes Host itself (the same value)
        return signed

    async def post(self, connection_id: str, message: str) -> int:
        """Send one message to one connection; the HTTP status (200, or 410 when the client is gone)."""
        from ...execute.http11 import HttpError

        path = f"{self.base_path}/@connections/{quote(connection_id, safe='')}"
        body = message.encode()
        self.calls["PostToConnection"] += 1
        try:
            response = await self.client.post(f"{self.scheme}://{self.host}{path}", body,
                                              self._headers("POST", path, body))
        except HttpError:
            return 0
        return response.status

    def close(self, connection_id: str) -> int:
        """Close a connection (`DELETE /@connections/{id}`): API Gateway lets the backend end a socket, but
        not choose its close code. Blocking: it happens once per protocol error, never in the fan-out."""
        import http.client

        path = f"{self.base_path}/@connections/{quote(connection_id, safe='')}"
        self.calls["DeleteConnection"] += 1
        cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        connection = cls(self.host, timeout=5.0)
        try:
            connection.request("DELETE", path, headers=self._headers("DELETE", path, b""))
            status = connection.getresponse().status
        except (OSError, http.client.HTTPException):
            status = 0
        finally:
            connection.close()
        return status

    async def post_many(self, messages: list[tuple[str, str]]) -> list[int]:
        """Every (connection id, message): connections at once (within the client's connection limit), one
        connection's messages one after another in their order, so a client sees a batch's events as they
        came. After a 410 the connection's remaining messages are not sent (and count as 410)."""
        statuses = [0] * len(messages)
        by_connection: dict[str, list[int]] = {}
        for i, (connection, _) in enumerate(messages):
            by_connection.setdefault(connection, []).append(i)

        async def in_order(indexes: list[int]) -> None:
            for n, i in enumerate(indexes):
                statuses[i] = await self.post(*messages[i])
                if statuses[i] == GONE:
                    for rest in indexes[n + 1:]:
                        statuses[rest] = GONE
                    return

        await asyncio.gather(*(in_order(indexes) for indexes in by_connection.values()))
        return statuses

    async def aclose(self) -> None:
        await self.client.aclose()


def endpoint_of(event: dict[str, Any]) -> str:
    """The Management API endpoint for a WebSocket route event (its domain and stage)."""
    context = event.get("requestContext") or {}
    return f"https://{context.get('domainName', '')}/{context.get('stage', '')}"
