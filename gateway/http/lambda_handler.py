"""AWS Lambda entry point: API Gateway (HTTP API v2 or REST v1) events through mangum.

Deploy with handler `gateway.http.lambda_handler.handler` and set BFF_SUPERGRAPH
to the supergraph file's path. The gateway is built once per container, on the
first request (mangum's lifespan is off: Lambda has no startup hook that could
fail usefully), and reused by every later invocation. Modules needed by every
request (mangum, the ASGI app) are imported at module level, during Lambda's init
phase; the gateway's own heavy imports happen when it is built.

Authentication (gateway.auth): behind an API Gateway authorizer, the principal
is read from the event's authorizer context (mangum passes the event as
scope["aws.event"]); without one, the Bearer token is verified here as under
uvicorn, configured by the BFF_JWT_* environment variables.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from mangum import Mangum

from .asgi import create_app
from .negotiation import SUPPORTED

if TYPE_CHECKING:
    from ..gateway import Gateway


def _build_gateway() -> "Gateway":
    """From the registry (BFF_REGISTRY, with BFF_SUPERGRAPH as the fallback when the registry
    is down at a cold start), or from the bundled supergraph file alone (BFF_SUPERGRAPH)."""
    from ..env_config import config_from_env

    registry = os.environ.get("BFF_REGISTRY")
    path = os.environ.get("BFF_SUPERGRAPH")
    config = config_from_env()
    if registry:
        from discovery import open_registry

        from ..supergraph_source import GatewaySwitch, gateway_builder

        # On Lambda the version check runs when a request arrives (no background task between invocations).
        return GatewaySwitch.start(open_registry(registry), gateway_builder(config), fallback_path=path,
                                   poll_interval=float(os.environ.get("BFF_POLL_INTERVAL", "30")))
    if not path:
        raise RuntimeError("Set BFF_REGISTRY (a registry URL) or BFF_SUPERGRAPH (the supergraph SDL file).")
    from ..gateway import Gateway

    return Gateway.from_file(path, config)


# Seam for tests and embedders: a no-argument callable returning the Gateway.
_gateway_factory = _build_gateway
# The mangum adapter, created on the first invocation (it binds the event loop of the calling thread).
_handler: Mangum | None = None


async def _gateway() -> "Gateway":
    gateway = _gateway_factory()
    if hasattr(gateway, "__await__"):  # GatewaySwitch.start is a coroutine
        gateway = await gateway
    return gateway


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda handler."""
    global _handler
    if _handler is None:
        # text_mime_types: without it mangum base64-encodes graphql-response+json bodies.
        from ..env_config import config_from_env

        _handler = Mangum(create_app(_gateway, config_from_env()), lifespan="off", text_mime_types=list(SUPPORTED))
    return _handler(event, context)
