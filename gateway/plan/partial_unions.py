"""Partial unions: a union's members can differ between the subgraphs that share a field.

Why: an answer must not depend on which subgraph the planner happens to pick for a
`@shareable` path (the federation-gateway-audit's `partial-union-complex` rule, which
Apollo's planner follows). At every union-typed position this pass works out the
subgraphs that could resolve the path from the root: the ones resolving the root field,
then per field those that resolve it among the previous ones, plus (for an entity) those
an `_entities` jump through a resolvable `@key` could reach. When several could, only
the members common to all of them are safe: for the others only `__typename` is asked
(their fields come out null), whichever subgraph is picked.

Runs once per plan, before the planner, on the normalized selection; returns a new
selection where it narrows something and the same one otherwise (the input may be cached).
"""

from __future__ import annotations

from ..operation.selection import NField, Selection
from ..supergraph.model import UNION, Supergraph, TypeDef


def narrow_partial_unions(sg: Supergraph, operation_kind: str, selection: Selection) -> Selection:
    root = sg.root_type(operation_kind)
    fields = selection.get(root) if root else None
    if root is None or not fields:
        return selection
    narrowed = _fields(sg, root, fields, None)
    return selection if narrowed is fields else {**selection, root: narrowed}


def _fields(sg: Supergraph, type_name: str, fields: dict[str, NField], reach: frozenset[str] | None
            ) -> dict[str, NField]:
    """`fields` of an object of `type_name` resolvable from the subgraphs in `reach` (None: the root)."""
    parent = sg.types.get(type_name)
    if parent is None:
        return fields
    out = fields
    for key, field in fields.items():
        fdef = parent.fields.get(field.name)
        if field.children is None or fdef is None:
            continue
        children = _children(sg, fdef.type.name, field.children, _reach(parent, fdef.resolvable_in, reach))
        if children is not field.children:
            copy = NField(field.response_key, field.name, field.arguments, field.directives, children)
            copy.narrowed = field.narrowed
            if out is fields:
                out = dict(fields)
            out[key] = copy
    return out


def _reach(parent: TypeDef, resolvable_in: frozenset[str], reach: frozenset[str] | None) -> frozenset[str]:
    """Subgraphs that could resolve a field of `parent` reached from the subgraphs in `reach`."""
    if reach is None:
        return resolvable_in
    return frozenset(g for g in resolvable_in
                     if g in reach or (g in parent.graphs and any(k.resolvable for k in parent.graphs[g].keys)))


def _children(sg: Supergraph, type_name: str, children: Selection, reach: frozenset[str]) -> Selection:
    position = sg.types.get(type_name)
    safe = None
    if position is not None and position.kind == UNION and len(reach) > 1:
        safe = set.intersection(*(set(sg.possible_in_graph(type_name, g)) for g in reach))
    out = children
    for concrete, fields in children.items():
        if safe is not None and concrete not in safe:
            new = {k: f for k, f in fields.items() if f.name == "__typename"}
            if len(new) == len(fields):
                continue
        else:
            new = _fields(sg, concrete, fields, reach)
            if new is fields:
                continue
        if out is children:
            out = dict(children)
        if new:
            out[concrete] = new
        else:
            del out[concrete]
    return out
