"""Federation 1 subgraphs (no `@link` to federation v2) and plain GraphQL services
follow Fed 1 semantics, which composition upgrades to Fed 2 ones:
every field is shareable (Fed 1 had no @shareable: value types and keys were
shared implicitly). (`@external` on Fed 1 key fields: see fake_external.py.)"""

from __future__ import annotations

from .model import Subgraph


def upgrade_fed1(sub: Subgraph) -> None:
    if sub.fed2:
        return
    for t in sub.types.values():
        for f in t.fields.values():
            f.shareable = True
