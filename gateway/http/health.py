"""What `GET /health` and `GET /ready` answer.

`/ready` is 503 until a supergraph is loaded (the gateway is built), then 200:
the signal a load balancer or orchestrator waits for before sending traffic.

`/health` is 200 whenever the gateway can serve, `{"status": "ok"}` or
`{"status": "degraded", "reasons": [...]}` when part of it is impaired, each
reason `{"code", "message"}` (and `"subgraph"` for a circuit):

    JWKS_UNREACHABLE      the identity provider's key set could not be fetched (tokens
                          signed with keys not cached yet are refused)
    REGISTRY_UNREACHABLE  the last check of the registry failed (the last good graph serves)
    FALLBACK_SUPERGRAPH   the bundled fallback file serves: the registry failed at the cold start
    CIRCUIT_OPEN          a subgraph's circuit breaker is open (or half-open): its fields are null

Messages are fixed texts: the details (URLs, exception texts) are in the operator's log, not
on an unauthenticated endpoint. Not on the request path: nothing here runs per GraphQL request.
"""

from __future__ import annotations

from typing import Any

JWKS_UNREACHABLE = "JWKS_UNREACHABLE"
REGISTRY_UNREACHABLE = "REGISTRY_UNREACHABLE"
FALLBACK_SUPERGRAPH = "FALLBACK_SUPERGRAPH"
CIRCUIT_OPEN = "CIRCUIT_OPEN"


async def health_body(gateway: Any, auth: Any) -> dict[str, Any]:
    """The /health body for a built gateway (a Gateway or a GatewaySwitch) and its Authenticator."""
    reasons = await _jwks_reasons(auth) + _registry_reasons(gateway) + _circuit_reasons(gateway)
    return {"status": "degraded", "reasons": reasons} if reasons else {"status": "ok"}


def ready_body(gateway: Any) -> dict[str, Any]:
    """The /ready body once a supergraph is loaded (with the registry's version when there is one)."""
    version = getattr(gateway, "version", None)
    return {"status": "ready"} if version is None else {"status": "ready", "version": version}


async def _jwks_reasons(auth: Any) -> list[dict[str, Any]]:
    verifier = getattr(auth, "verifier", None)
    jwks = getattr(verifier, "jwks", None) if verifier is not None else None
    if jwks is None or await jwks.check() is None:
        return []
    return [{"code": JWKS_UNREACHABLE, "message": "The identity provider's signing keys (JWKS) could not be "
                                                  "fetched; tokens signed with keys not cached are refused."}]


def _registry_reasons(gateway: Any) -> list[dict[str, Any]]:
    from ..supergraph_source import GatewaySwitch

    if not isinstance(gateway, GatewaySwitch):
        return []
    reasons: list[dict[str, Any]] = []
    if gateway.last_error is not None:
        reasons.append({"code": REGISTRY_UNREACHABLE, "message": "The registry could not be read at the last "
                                                                 "check; the last good supergraph serves."})
    if gateway.origin == "fallback":
        reasons.append({"code": FALLBACK_SUPERGRAPH, "message": "The bundled fallback supergraph serves: the "
                                                                "registry could not be read at start."})
    return reasons


def _circuit_reasons(gateway: Any) -> list[dict[str, Any]]:
    current = getattr(gateway, "gateway", gateway)  # a GatewaySwitch's current Gateway
    breakers = getattr(current, "breakers", None)
    if breakers is None:
        return []
    return [{"code": CIRCUIT_OPEN, "subgraph": name,
             "message": f'The circuit of subgraph "{name}" is {state}: its fields are null until it recovers.'}
            for name, state in sorted(breakers.not_closed().items())]
