"""Principal <-> API Gateway authorizer context, and the principal from a Lambda event.

The authorizer Lambda verifies the token once; the gateway Lambda behind it
reads the outcome from the event instead of verifying again. REST API contexts
admit only string/number/boolean values, so the encoding is flat strings for
both API kinds: roles and scopes comma-separated (names containing commas do
not survive), claims as a JSON string.

Trusting the event is safe: `requestContext.authorizer` is written by API
Gateway after the authorizer allowed the request, never taken from the client.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bff_common.principal import Principal

from .config import AuthConfig
from .principal import principal_from_claims, strings

_KINDS = ("viewer", "server", "anonymous")


def to_context(principal: Principal) -> dict[str, str]:
    """The authorizer response context describing `principal`."""
    context = {"kind": principal.kind,
               "roles": ",".join(sorted(principal.roles)),
               "scopes": ",".join(sorted(principal.scopes))}
    if principal.subject is not None:
        context["sub"] = principal.subject
    if principal.client_name is not None:
        context["clientName"] = principal.client_name
    if principal.claims:
        context["claims"] = json.dumps(principal.claims, separators=(",", ":"), default=str)
    return context


def from_context(context: Mapping[str, Any]) -> Principal | None:
    """The principal a bff authorizer put in `context`; None when the context is not one of ours."""
    kind = context.get("kind")
    if kind not in _KINDS:
        return None
    claims = context.get("claims")
    if isinstance(claims, str):
        try:
            claims = json.loads(claims)
        except ValueError:
            claims = None
    subject, client = context.get("sub"), context.get("clientName")
    return Principal(
        kind=kind,
        subject=subject if isinstance(subject, str) and subject else None,
        roles=strings(context.get("roles")),
        scopes=strings(context.get("scopes")),
        client_name=client if isinstance(client, str) and client else None,
        claims=claims if isinstance(claims, dict) else {},
    )


def principal_from_event(event: Mapping[str, Any], config: AuthConfig) -> Principal | None:
    """The principal an API Gateway authorizer attached to `event`; None when there is none.

    HTTP API v2: a Lambda authorizer's context is `requestContext.authorizer.lambda`,
    a built-in JWT authorizer's claims `requestContext.authorizer.jwt.claims`.
    REST: a Lambda authorizer's context is `requestContext.authorizer` itself
    (plus principalId), a Cognito user-pool authorizer's claims `...authorizer.claims`.
    """
    request_context = event.get("requestContext")
    authorizer = request_context.get("authorizer") if isinstance(request_context, Mapping) else None
    if not isinstance(authorizer, Mapping) or not authorizer:
        return None
    lambda_context = authorizer.get("lambda")
    if isinstance(lambda_context, Mapping):
        return from_context(lambda_context)
    jwt = authorizer.get("jwt")
    if isinstance(jwt, Mapping) and isinstance(jwt.get("claims"), Mapping):
        claims = _api_gateway_claims(jwt["claims"])
        if "scope" not in claims and isinstance(jwt.get("scopes"), list):
            claims["scope"] = " ".join(s for s in jwt["scopes"] if isinstance(s, str))
        return principal_from_claims(claims, roles_claim=config.roles_claim, server_rule=config.server_rule)
    ours = from_context(authorizer)
    if ours is not None:
        return ours
    if isinstance(authorizer.get("claims"), Mapping):
        claims = _api_gateway_claims(authorizer["claims"])
        return principal_from_claims(claims, roles_claim=config.roles_claim, server_rule=config.server_rule)
    return None


def _api_gateway_claims(claims: Mapping[str, Any]) -> dict[str, Any]:
    """API Gateway passes claims as strings, arrays rendered "[a b]": turn those back into lists."""
    out: dict[str, Any] = {}
    for name, value in claims.items():
        if isinstance(value, str) and len(value) >= 2 and value[0] == "[" and value[-1] == "]":
            value = value[1:-1].split()
        out[name] = value
    return out
