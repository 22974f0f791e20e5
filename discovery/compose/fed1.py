"""Federation 1 subgraphs (no `@link` to federation v2) and plain GraphQL services
follow Fed 1 semantics, which composition upgrades to Fed 2 ones:
every field is shareable (Fed 1 had no @shareable: value types and keys were
shared implicitly), and `@external` on a key field of a type extension only said
"this field comes from elsewhere", while the subgraph can in fact resolve it."""

from __future__ import annotations

from .fieldsets import top_level_fields
from .model import Subgraph


def upgrade_fed1(sub: Subgraph) -> None:
    if sub.fed2:
        return
    for t in sub.types.values():
        key_fields: set[str] = set()
        for key in t.keys:
            key_fields |= top_level_fields(key.fields)
        for f in t.fields.values():
            f.shareable = True
            if f.external and f.name in key_fields:
                f.external = False
