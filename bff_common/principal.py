"""Who is calling, as both sides of the wire see it: the gateway builds a `Principal` from
verified token claims (gateway/auth/principal.py), a service from the signed identity
(bff_common/identity.py); access rules (bff_common/access_evaluate.py) decide for it.

A viewer is a user (through a frontend); a server is a service calling the graph as
itself; anonymous has no credentials at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["viewer", "server", "anonymous"]


@dataclass(frozen=True, slots=True)
class Principal:
    kind: Kind
    subject: str | None = None
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    client_name: str | None = None
    # The verified claims as received (for rules not anticipated here); not part of equality.
    claims: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_anonymous(self) -> bool:
        return self.kind == "anonymous"


ANONYMOUS = Principal("anonymous")
