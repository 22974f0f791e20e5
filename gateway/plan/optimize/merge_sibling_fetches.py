"""Merge fetches to the same subgraph that wait for exactly the same fetches.

They would run at the same moment anyway; merged, they cost one request (one
`_entities` call carrying every representation of the step). Inputs of the
same entity type merge only when their representations have the same shape,
so a @requires field is never asked for with a representation that lacks it.
"""

from __future__ import annotations

from typing import Any

from ...operation.selection import merge_into
from ..fetch_builder import FetchBuilder
from ..planner import _shape_text


def merge_sibling_fetches(fetches: list[FetchBuilder]) -> list[FetchBuilder]:
    changed = True
    while changed:
        changed = False
        groups: dict[tuple[Any, ...], list[FetchBuilder]] = {}
        for f in fetches:
            if f.kind == "entity":
                groups.setdefault((f.graph, frozenset(f.deps)), []).append(f)
        replaced: dict[int, int] = {}
        for group in groups.values():
            if len(group) < 2:
                continue
            head = group[0]
            for other in group[1:]:
                if _compatible(head, other):
                    merge_into(head.selection, other.selection)
                    head.inputs.extend(other.inputs)
                    head.keep_typename = head.keep_typename or other.keep_typename
                    replaced[other.id] = head.id
        if replaced:
            changed = True
            fetches = [f for f in fetches if f.id not in replaced]
            for f in fetches:
                f.deps = {replaced.get(d, d) for d in f.deps}
    return fetches


def _compatible(a: FetchBuilder, b: FetchBuilder) -> bool:
    shapes: dict[str, set[str]] = {}
    for i in a.inputs:
        shapes.setdefault(i.selection_type, set()).update(_shape_text(r) for r in i.requires.values())
    for i in b.inputs:
        seen = shapes.get(i.selection_type)
        if seen is not None and seen != {_shape_text(r) for r in i.requires.values()}:
            return False
    return True
