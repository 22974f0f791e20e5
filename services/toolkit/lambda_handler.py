"""A service's AWS Lambda entry point: its ASGI app behind Mangum.

The same app serves a Function URL / API Gateway route and the gateway's direct
invokes (gateway/execute/lambda_transport.py sends HTTP API v2 events), so the
X-API-Key check stays inside the app and applies to both. Lifespan is off: the
app has no startup work, and Lambda gives no useful place to fail it.

Each invocation logs one line on "bff.service" (INFO) with the request id: the
gateway sends the client request's id (API Gateway's `requestContext.requestId`)
as the event's request id and its x-request-id header, so one id finds a request
in the HTTP API's access log, the gateway's log and every service's log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from mangum import Mangum

logger = logging.getLogger("bff.service")


def request_id(event: dict[str, Any]) -> str | None:
    """The id the caller gave this request: x-request-id, else the event's requestContext.requestId."""
    headers = event.get("headers") or {}
    given = headers.get("x-request-id") or headers.get("X-Request-Id")
    return given or (event.get("requestContext") or {}).get("requestId")


def make_handler(app: Any) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda handler for `app` (API Gateway v1/v2, Function URL and direct-invoke events)."""
    adapter = Mangum(app, lifespan="off")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)  # Lambda's root logger is at WARNING: the per-request line shows anyway

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        started = time.perf_counter()
        response = adapter(event, context)
        if logger.isEnabledFor(logging.INFO):
            path = event.get("rawPath") or event.get("path")
            logger.info("request_id=%s %s status=%s %.1f ms", request_id(event), path,
                        response.get("statusCode"), (time.perf_counter() - started) * 1000)
        return response

    return handler
