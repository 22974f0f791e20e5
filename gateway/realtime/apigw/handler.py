"""Lambda entry points of the WebSocket API and the fan-out (serverless.yml: functions `realtime`, `fanout`).

Both build the gateway as the HTTP gateway does (gateway/http/lambda_handler.py: the registry, or the
packaged supergraph), once per container, and keep one event loop for the container's life (the
HTTP client's pooled connections are bound to it).

Settings (bff.yaml `server.subscriptions`, or the BFF_* variables): `table` (the DynamoDB table,
deploy/data.yml) and `management_url` (the WebSocket API's Management endpoint; the `realtime`
function derives it from each event when unset, the fan-out needs it).
"""

from __future__ import annotations

import asyncio
from typing import Any

_loop: asyncio.AbstractEventLoop | None = None
_parts: dict[str, Any] = {}


def _run(coroutine: Any) -> Any:
    global _loop
    if _loop is None or _loop.is_closed():
        _loop = asyncio.new_event_loop()
    return _loop.run_until_complete(coroutine)


def _common() -> tuple[Any, Any]:
    """The settings and the table, once per container."""
    if "table" not in _parts:
        from ...http.lambda_handler import _settings
        from .table import SubscriptionTable

        settings = _settings()
        if not settings.gateway.subscription_table:
            raise RuntimeError("server.subscriptions.table (BFF_SUBSCRIPTION_TABLE) is not set")
        _parts["settings"] = settings
        _parts["table"] = SubscriptionTable(settings.gateway.subscription_table)
    return _parts["settings"], _parts["table"]


def _management(endpoint: str) -> Any:
    from .management import ManagementApi

    current = _parts.get("management")
    if current is None or current.endpoint != endpoint.rstrip("/"):
        current = _parts["management"] = ManagementApi(endpoint)
    return current


def websocket(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """$connect, $disconnect and $default of the WebSocket API."""
    from ...auth.authenticate import Authenticator
    from ...http.lambda_handler import _gateway
    from .management import endpoint_of
    from .websocket import Routes

    settings, table = _common()
    if "auth" not in _parts:
        _parts["auth"] = Authenticator.configured(settings.auth)
    management = _management(settings.gateway.subscription_management_url or endpoint_of(event))
    routes = Routes(_gateway, _parts["auth"], table, management,
                    max_connections=settings.gateway.subscription_max_connections)
    answer: dict[str, Any] = _run(routes.handle(event))
    return answer


def fanout(event: Any, context: Any) -> dict[str, Any]:
    """A batch of the fan-out queue's SQS messages (EventBridge events from the services' publish_event), or
    EventBridge events given directly. With SQS, `batchItemFailures` names the messages to redeliver
    (the event source mapping's ReportBatchItemFailures): the others are deleted from the queue."""
    from ...http.lambda_handler import _gateway
    from .fanout import batch_item_failures, batch_of, fan_out

    settings, table = _common()
    if not settings.gateway.subscription_management_url:
        raise RuntimeError("server.subscriptions.management_url (BFF_SUBSCRIPTION_MANAGEMENT_URL) is not set")
    management = _management(settings.gateway.subscription_management_url)
    batch = batch_of(event)

    async def go() -> Any:
        return await fan_out(await _gateway(), table, management, batch.events)

    result = _run(go())
    return {"events": result.events, "matched": result.matched, "runs": result.runs, "posted": result.posted,
            "gone": result.gone, "entityCalls": dict(result.entity_calls),
            "batchItemFailures": batch_item_failures(batch, result)}
