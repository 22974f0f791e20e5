"""`@join__field(graph:, requires:, provides:, type:, external:, override:, usedOverridden:)`:
which subgraphs resolve a field, and on what conditions."""

from __future__ import annotations

from typing import Any

from ._args import directives_named, parse_field_set
from .model import FieldInGraph


def read_join_fields(node: Any, prefix: str) -> list[FieldInGraph] | None:
    """None when the field has no @join__field at all (resolvable wherever its parent type is)."""
    joins: list[FieldInGraph] | None = None
    for args in directives_named(node, f"{prefix}__field"):
        if joins is None:
            joins = []
        requires = args.get("requires")
        provides = args.get("provides")
        joins.append(FieldInGraph(
            graph=args.get("graph"),
            requires=parse_field_set(requires) if requires else None,
            provides=parse_field_set(provides) if provides else None,
            external=bool(args.get("external")),
            override=args.get("override"),
            used_overridden=bool(args.get("usedOverridden")),
            type=args.get("type"),
        ))
    return joins
