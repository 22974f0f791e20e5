"""A `Principal` (bff_common/principal.py) built from a verified token's claims.

A token is a server's when the explicit rule says so (client-credentials token, see
server_rule.py), else a viewer's. Roles come from one configurable claim, scopes from the
OAuth `scope` (space-separated) or `scp` (list) claims.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bff_common.principal import Principal

from .server_rule import ServerRule


def principal_from_claims(claims: Mapping[str, Any], *, roles_claim: str, server_rule: ServerRule) -> Principal:
    """The principal for a verified token's claims."""
    subject = claims.get("sub")
    client = claims.get("client_id", claims.get("azp"))
    scopes = claims.get("scope")
    if scopes is None:
        scopes = claims.get("scp")
    return Principal(
        kind="server" if server_rule.matches(claims) else "viewer",
        subject=subject if isinstance(subject, str) else None,
        roles=strings(claim_at(claims, roles_claim)),
        scopes=strings(scopes),
        client_name=client if isinstance(client, str) else None,
        claims=dict(claims),
    )


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """A claim by name, else by dotted path: `cognito:groups` and `https://example.com/roles`
    are whole names (they contain dots of their own); `realm_access.roles` is nested."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def strings(value: Any) -> frozenset[str]:
    """A set of names from a list of strings or one space- or comma-separated string."""
    if isinstance(value, str):
        return frozenset(part for part in value.replace(",", " ").split() if part)
    if isinstance(value, (list, tuple)):
        return frozenset(item for item in value if isinstance(item, str) and item)
    return frozenset()
