"""A service's AWS Lambda entry point: its ASGI app behind Mangum.

The same app serves a Function URL / API Gateway route and the gateway's direct
invokes (gateway/execute/lambda_transport.py sends HTTP API v2 events), so the
X-API-Key check stays inside the app and applies to both. Lifespan is off: the
app has no startup work, and Lambda gives no useful place to fail it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mangum import Mangum


def make_handler(app: Any) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda handler for `app` (API Gateway v1/v2, Function URL and direct-invoke events)."""
    return Mangum(app, lifespan="off")
