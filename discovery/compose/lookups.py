"""Lookups declared for plain GraphQL services (no `_entities`): `User` by
`Query.userById(id: <User.id>)`. Composition turns each into a key on the type in
that subgraph (so the supergraph says the subgraph can resolve `User` from `id`) and
a `@bff__lookup(graph:, field:, arguments:)` saying which root field does it."""

from __future__ import annotations

import json

from .context import Context
from .fieldsets import parse_field_set
from .model import OBJECT, Key, Subgraph
from .supermodel import Supergraph
from .typeref import named


def apply_lookups(ctx: Context, sub: Subgraph) -> None:
    """Add the lookups' keys to the subgraph's types (before the merge), or report why not."""
    for lookup in sub.lookups:
        coordinate = f"Query.{lookup.field}"
        t = sub.types.get(lookup.type_name)
        query = sub.types.get("Query")
        root = query.fields.get(lookup.field) if query else None
        problem = None
        if t is None or t.kind != OBJECT:
            problem = f'type "{lookup.type_name}" is not an object type of the subgraph'
        elif root is None:
            problem = f'field "{coordinate}" does not exist'
        elif named(root.type) != lookup.type_name:
            problem = f'field "{coordinate}" returns "{root.type}", not "{lookup.type_name}"'
        elif not lookup.arguments:
            problem = "a lookup needs at least one argument"
        else:
            for arg, field_set in lookup.arguments.items():
                if arg not in root.args:
                    problem = f'field "{coordinate}" has no argument "{arg}"'
                elif parse_field_set(field_set) is None:
                    problem = f'"{field_set}" is not a field set'
            required = [a for a in root.args.values() if a.type.endswith("!") and a.default is None]
            for a in required:
                if a.name not in lookup.arguments:
                    problem = f'required argument "{coordinate}({a.name}:)" gets no key field'
        if problem:
            ctx.error("INVALID_LOOKUP", f'[{sub.name}] Lookup of "{lookup.type_name}" by "{coordinate}": {problem}',
                      (sub.name,), coordinate)
            continue
        fields = " ".join(dict.fromkeys(lookup.arguments.values()))
        assert t is not None  # no problem: an object type of the subgraph
        if not any(k.fields == fields for k in t.keys):
            t.keys.append(Key(fields=fields))


def record_lookups(ctx: Context, sg: Supergraph) -> None:
    """Put `@bff__lookup` on the merged types."""
    for sub in ctx.subgraphs:
        for lookup in sub.lookups:
            st = sg.types.get(lookup.type_name)
            if st is not None:
                st.lookups.append((sub.graph, lookup.field, json.dumps(lookup.arguments, sort_keys=True)))
