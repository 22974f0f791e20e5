"""AWS Lambda entry point: API Gateway (HTTP API v2 or REST v1) events through mangum.

Deploy with handler `gateway.http.lambda_handler.handler` and set BFF_CONFIG to
a bff.yaml inside the package, or BFF_SUPERGRAPH to the supergraph file's path
(any setting: gateway/config/envvars.py, the same names as under bff serve). The
gateway is built once per container, on the first request (mangum's lifespan is
off: Lambda has no startup hook that could fail usefully), and reused by every
later invocation. Modules needed by every
request (mangum, the ASGI app) are imported at module level, during Lambda's init
phase; the gateway's own heavy imports happen when it is built.

Authentication (gateway.auth): behind an API Gateway authorizer, the principal
is read from the event's authorizer context (mangum passes the event as
scope["aws.event"]); without one, the Bearer token is verified here as under
uvicorn, configured by `security.jwt` / the BFF_JWT_* variables.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from mangum import Mangum

from .asgi import create_app
from .negotiation import SUPPORTED

if TYPE_CHECKING:
    from ..config.build import Settings
    from .served import ServedGateway


def _settings() -> "Settings":
    """bff.yaml at BFF_CONFIG (a path inside the package), under the BFF_* environment; read once.
    A bad configuration raises ConfigError naming every problem (the first request answers 503)."""
    global _loaded
    if _loaded is None:
        from ..config.build import settings

        _loaded = settings()
    return _loaded


def _build_gateway() -> "ServedGateway | Awaitable[ServedGateway]":
    """From the registry (`supergraph.registry`, with `supergraph.file` as the fallback when the registry
    is down at a cold start: the GatewaySwitch, started by awaiting), or from the bundled supergraph
    file alone (`supergraph.file`: a Gateway)."""
    current = _settings()
    source, config = current.supergraph, current.gateway
    if source.registry:
        from discovery import open_registry

        from ..supergraph_source import GatewaySwitch, gateway_builder

        # On Lambda the version check runs when a request arrives (no background task between invocations).
        return GatewaySwitch.start(open_registry(source.registry), gateway_builder(config),
                                   fallback_path=source.fallback_file or source.file,
                                   fallback_services=source.fallback_services,
                                   poll_interval=source.poll_interval or 30.0)
    if not source.file:
        raise RuntimeError("Set supergraph.registry or supergraph.file in BFF_CONFIG's file, or BFF_REGISTRY "
                           "(a registry URL) or BFF_SUPERGRAPH (the supergraph SDL file).")
    from ..gateway import Gateway

    return Gateway.from_file(source.file, config)


_loaded: "Settings | None" = None
# Seam for tests and embedders: a no-argument callable returning the gateway (or an awaitable of it).
_gateway_factory = _build_gateway
# The mangum adapter, created on the first invocation (it binds the event loop of the calling thread).
_handler: Mangum | None = None


async def _gateway() -> "ServedGateway":
    gateway = _gateway_factory()
    if inspect.isawaitable(gateway):  # GatewaySwitch.start is a coroutine
        return await gateway
    return gateway


def carry_request_id(event: dict[str, Any]) -> None:
    """API Gateway's request id (`requestContext.requestId`, the access log's `requestId`) becomes the
    request's x-request-id: the gateway's request log line and masked errors carry it, the response echoes
    it, and it is forwarded to every service call (headers.propagate's default list). A caller's own
    x-request-id is kept as x-correlation-id (when it sent none)."""
    request_id = (event.get("requestContext") or {}).get("requestId")
    if not isinstance(request_id, str) or not request_id:
        return
    for key in ("headers", "multiValueHeaders"):
        headers = event.get(key)
        if not isinstance(headers, dict):
            continue
        names = {name.lower(): name for name in headers}
        given = headers.pop(names["x-request-id"]) if "x-request-id" in names else None
        multi = key == "multiValueHeaders"
        if given and given != ([request_id] if multi else request_id) and "x-correlation-id" not in names:
            headers["x-correlation-id"] = given
        headers["x-request-id"] = [request_id] if multi else request_id
    if not isinstance(event.get("headers"), dict):
        event["headers"] = {"x-request-id": request_id}


def strip_stage(event: dict[str, Any]) -> None:
    """An HTTP API stage other than `$default` prefixes the path (`/prod/graphql`) while the routes are
    `/graphql`: the gateway serves the path without it, under any stage name."""
    context = event.get("requestContext") or {}
    stage, http = context.get("stage"), context.get("http")
    if not isinstance(stage, str) or stage in ("", "$default") or not isinstance(http, dict):
        return
    prefix = f"/{stage}"
    for holder, key in ((http, "path"), (event, "rawPath")):
        path = holder.get(key)
        if isinstance(path, str) and (path == prefix or path.startswith(prefix + "/")):
            holder[key] = path[len(prefix):] or "/"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda handler."""
    global _handler, _loaded
    if _handler is None:
        _loaded = None  # a new container reads its configuration anew
        from ..logs import operator_logging

        operator_logging()  # the graph loaded, subgraph failures at INFO/WARNING through Lambda's log handler
        # text_mime_types: without it mangum base64-encodes graphql-response+json bodies.
        from ..auth.authenticate import Authenticator

        current = _settings()
        _handler = Mangum(create_app(_gateway, current.gateway, auth=Authenticator.configured(current.auth)),
                          lifespan="off", text_mime_types=list(SUPPORTED))
    carry_request_id(event)
    strip_stage(event)
    return _handler(event, context)
