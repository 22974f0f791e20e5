"""`@external` on a key field of a type extension (`extend type User @key(fields: "id")
{ id: ID! @external }`, or `@extends`) is "fake": it was the Fed 1 way to say the
type lives elsewhere, but the subgraph does resolve its own key. Composition treats
such fields as not external (in Fed 1 subgraphs, on every key)."""

from __future__ import annotations

from .fieldsets import top_level_fields
from .model import Subgraph


def drop_fake_externals(sub: Subgraph) -> None:
    for t in sub.types.values():
        key_fields: set[str] = set()
        for key in t.keys:
            if key.extension or not sub.fed2:
                key_fields |= top_level_fields(key.fields)
        for name in key_fields:
            f = t.fields.get(name)
            if f is not None and f.external:
                f.external = False
