"""A fetch while the plan is being built: the subgraph, where its results merge,
and the selection it asks for (in the subgraph's terms)."""

from __future__ import annotations

from ..operation.selection import NField, Selection
from .nodes import EntityInput, Path


class FetchBuilder:
    __slots__ = ("id", "graph", "kind", "operation_kind", "path", "selection", "inputs", "deps", "keep_typename")

    def __init__(self, id: int, graph: str, kind: str, operation_kind: str, path: Path, type_name: str) -> None:
        self.id = id
        self.graph = graph
        self.kind = kind  # "root" | "entity"
        self.operation_kind = operation_kind
        self.path = path
        self.selection: Selection = {type_name: {}}
        # entity fetches: where the objects are and how to build their representations
        self.inputs: list[EntityInput] = []
        self.deps: set[int] = set()
        self.keep_typename = False


def add_field(target: dict[str, NField], field: NField) -> NField:
    """Add a copy of `field` (without children) to a fetch's selection, or reuse the one there."""
    existing = target.get(field.response_key)
    if existing is not None:
        if existing.children is None and field.children is not None:
            existing.children = {}
        return existing
    copy = NField(field.response_key, field.name, field.arguments, field.directives,
                  {} if field.children is not None else None)
    target[field.response_key] = copy
    return copy


TYPENAME = NField("__typename", "__typename")
