"""Lambda authorizer handlers: verify the user's JWT once, at API Gateway, for the gateway Lambda.

Handlers (set one as the authorizer function's handler):

    gateway.auth.authorizer.handler            any of the below, told apart by the event's shape
    gateway.auth.authorizer.http_api_handler   HTTP API, payload format 2.0, simple responses:
                                               {"isAuthorized": bool, "context": {...}}
    gateway.auth.authorizer.rest_handler       REST API, TOKEN or REQUEST authorizer: an IAM policy
                                               {"principalId", "policyDocument", "context"}

Refusals: an HTTP API simple response `isAuthorized: false` makes API Gateway
answer 403. A REST authorizer raises `Unauthorized` (API Gateway answers 401,
like the local gateway) unless BFF_AUTHORIZER_REFUSAL=deny, which returns an
explicit Deny policy (403) whose context carries the reason code for Gateway
Responses mapping. Either way the context on success is context.py's encoding,
which the gateway reads back from the event.

REST policies name the event's methodArn: with authorizer caching on, a cached
Allow then covers only that method and resource.

Verification is synchronous here (one event at a time per container); the
JWKS cache lives in the module and so survives across warm invocations. This
module imports only gateway.auth: no graphql, mangum or uvicorn.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from .authenticate import Authenticator
from .context import to_context
from .errors import AuthError

logger = logging.getLogger("bff.auth")

_authenticator: Authenticator | None = None


class Unauthorized(Exception):
    """Raised to make API Gateway answer 401 (the message must be exactly "Unauthorized")."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def configure(authenticator: Authenticator | None) -> None:
    """Seam for tests and embedders: use `authenticator` (None: read the environment on next use)."""
    global _authenticator
    _authenticator = authenticator


def _auth() -> Authenticator:
    global _authenticator
    if _authenticator is None:
        _authenticator = Authenticator.from_env()
    return _authenticator


def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    """Dispatch on the event: HTTP API v2 (`version: "2.0"`) or REST (`type` TOKEN / REQUEST with a methodArn)."""
    if event.get("version") == "2.0":
        return http_api_handler(event, context)
    if event.get("type") in ("TOKEN", "REQUEST") and "methodArn" in event:
        return rest_handler(event, context)
    raise ValueError("not an API Gateway authorizer event (HTTP API v2 or REST TOKEN/REQUEST)")


def http_api_handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    """HTTP API (payload 2.0) REQUEST authorizer, simple responses."""
    headers = event.get("headers") or {}
    authorization = headers.get("authorization")  # HTTP API lower-cases header names
    if authorization is None:
        sources = event.get("identitySource") or []
        authorization = sources[0] if len(sources) == 1 else None
    try:
        principal = _auth().authenticate(authorization)
    except AuthError as exc:
        logger.info("bff.auth: refused %s: %s", event.get("routeArn"), exc.reason)
        return {"isAuthorized": False, "context": {"reason": exc.reason}}
    return {"isAuthorized": True, "context": to_context(principal)}


def rest_handler(event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
    """REST API TOKEN (`authorizationToken`) or REQUEST (Authorization header) authorizer."""
    method_arn = event["methodArn"]
    if event.get("type") == "TOKEN":
        authorization = event.get("authorizationToken")
    else:
        authorization = _header(event.get("headers"), "authorization")
    auth = _auth()
    try:
        principal = auth.authenticate(authorization)
    except AuthError as exc:
        logger.info("bff.auth: refused %s: %s", method_arn, exc.reason)
        if auth.config.rest_refusal == "unauthorized":
            raise Unauthorized() from None
        return _policy("anonymous", "Deny", method_arn, {"reason": exc.reason})
    return _policy(principal.subject or principal.kind, "Allow", method_arn, to_context(principal))


def _policy(principal_id: str, effect: str, method_arn: str, context: dict[str, str]) -> dict[str, Any]:
    return {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": method_arn}],
        },
        "context": context,
    }


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    """A header from a REST event, whose names keep the client's case."""
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value if isinstance(value, str) else None
    return None
