"""The normalized selection the planner works on.

A selection is `{concrete object type: {response key: NField}}`: fragments are
inlined, @skip/@include applied, and every selection on an abstract type is
spelled out per concrete type, so the planner only ever reasons about object
types. Fields sharing a response key are merged.
"""

from __future__ import annotations

from typing import Any

Selection = dict[str, dict[str, "NField"]]


class NField:
    __slots__ = ("response_key", "name", "arguments", "directives", "children", "narrowed")

    def __init__(self, response_key: str, name: str, arguments: tuple[Any, ...] = (), directives: tuple[Any, ...] = (),
                 children: Selection | None = None) -> None:
        self.response_key = response_key
        self.name = name
        self.arguments = arguments  # tuple of graphql ArgumentNode
        self.directives = directives  # tuple of DirectiveNode to forward to subgraphs
        self.children = children
        # True when the client's sub-selection uses type conditions that select only some
        # of the possible types (so the concrete type matters, not just the interface's fields).
        self.narrowed = False

    @property
    def alias(self) -> str | None:
        return self.response_key if self.response_key != self.name else None

    def same_field(self, other: NField) -> bool:
        """Same field with the same arguments: safe to share one response key."""
        return self.name == other.name and args_text(self.arguments) == args_text(other.arguments)

    def __repr__(self) -> str:  # for debugging
        return f"NField({self.response_key}:{self.name})"


def args_text(arguments: tuple[Any, ...]) -> str:
    if not arguments:
        return ""
    from graphql import print_ast

    return ", ".join(f"{a.name.value}: {print_ast(a.value)}" for a in arguments)


def merge_into(target: Selection, source: Selection) -> None:
    """Merge `source` into `target` (fields by response key, children recursively)."""
    for type_name, fields in source.items():
        dest = target.setdefault(type_name, {})
        for key, field in fields.items():
            existing = dest.get(key)
            if existing is None:
                dest[key] = copy_field(field)
            elif field.children is not None:
                existing.narrowed = existing.narrowed or field.narrowed
                if existing.children is None:
                    existing.children = {}
                merge_into(existing.children, field.children)


def copy_field(field: NField) -> NField:
    children: Selection | None = None
    if field.children is not None:
        children = {}
        merge_into(children, field.children)
    copy = NField(field.response_key, field.name, field.arguments, field.directives, children)
    copy.narrowed = field.narrowed
    return copy


def variables_in(arguments: tuple[Any, ...], directives: tuple[Any, ...], into: set[str]) -> None:
    """Collect the names of variables used in arguments and directives."""
    from graphql.language import ListValueNode, ObjectValueNode, VariableNode

    def walk(value: Any) -> None:
        if isinstance(value, VariableNode):
            into.add(value.name.value)
        elif isinstance(value, ListValueNode):
            for v in value.values:
                walk(v)
        elif isinstance(value, ObjectValueNode):
            for f in value.fields:
                walk(f.value)

    for a in arguments:
        walk(a.value)
    for d in directives:
        for a in d.arguments or ():
            walk(a.value)
