"""Normalize a selection set against the supergraph, in one walk:

1. inline fragment spreads (named fragments become their selections),
2. drop what @skip/@include exclude (their variables' values are part of the plan's cache key),
3. spell out selections on abstract types per possible concrete type,
4. merge fields that share a response key.
"""

from __future__ import annotations

from typing import Any

from ..supergraph.model import Supergraph
from .selection import NField, Selection


class Normalizer:
    def __init__(self, supergraph: Supergraph, fragments: dict[str, Any], variables: dict[str, Any]) -> None:
        self.sg = supergraph
        self.fragments = fragments
        self.variables = variables
        self._narrowed = False

    def selection(self, parent_type: str, selection_set: Any, as_object: bool = False) -> Selection:
        """`as_object`: treat an abstract `parent_type` as an object type at the top level
        (field sets on an interface entity or an @interfaceObject)."""
        types = [parent_type] if as_object else self.concrete_types(parent_type)
        result: Selection = {t: {} for t in types}
        self._collect(selection_set, list(result), result)
        return result

    def concrete_types(self, type_name: str) -> list[str]:
        t = self.sg.types.get(type_name)
        if t is None:
            return []
        if t.is_abstract:
            # An interface no object implements is only ever seen through an @interfaceObject.
            return list(self.sg.possible_types.get(type_name, ())) or [type_name]
        return [type_name]

    def _collect(self, selection_set: Any, types: list[str], into: Selection) -> None:
        from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode

        for sel in selection_set.selections:
            if sel.directives and not self._included(sel.directives):
                continue
            if isinstance(sel, FieldNode):
                for t in types:
                    self._add_field(t, sel, into[t])
            elif isinstance(sel, InlineFragmentNode):
                narrowed = self._narrow(types, sel.type_condition.name.value if sel.type_condition else None)
                if narrowed:
                    self._collect(sel.selection_set, narrowed, into)
            elif isinstance(sel, FragmentSpreadNode):
                fragment = self.fragments.get(sel.name.value)
                if fragment is None:
                    continue
                narrowed = self._narrow(types, fragment.type_condition.name.value)
                if narrowed:
                    self._collect(fragment.selection_set, narrowed, into)

    def _narrow(self, types: list[str], condition: str | None) -> list[str]:
        if condition is None:
            return types
        allowed = self.concrete_types(condition)
        narrowed = [t for t in types if t in allowed]
        condition_type = self.sg.types.get(condition)
        if len(narrowed) < len(types) or (condition_type is not None and not condition_type.is_abstract):
            self._narrowed = True
        return narrowed

    def _add_field(self, parent: str, node: Any, fields: dict[str, NField]) -> None:
        name = node.name.value
        key = node.alias.value if node.alias else name
        existing = fields.get(key)
        if existing is None:
            directives = tuple(d for d in node.directives or () if d.name.value not in ("skip", "include"))
            existing = fields[key] = NField(key, name, tuple(node.arguments or ()), directives,
                                            {} if node.selection_set else None)
        children = existing.children
        if node.selection_set is None or children is None or name.startswith("__"):
            return
        parent_def = self.sg.types.get(parent)
        field_def = parent_def.fields.get(name) if parent_def else None
        if field_def is None:
            return
        child_types = self.concrete_types(field_def.type.name)
        for t in child_types:
            children.setdefault(t, {})
        outer, self._narrowed = self._narrowed, False
        self._collect(node.selection_set, child_types, children)
        existing.narrowed = existing.narrowed or self._narrowed
        self._narrowed = outer

    def _included(self, directives: Any) -> bool:
        from graphql.language import BooleanValueNode, VariableNode

        for d in directives:
            name = d.name.value
            if name not in ("skip", "include"):
                continue
            value = None
            for arg in d.arguments or ():
                if arg.name.value == "if":
                    node = arg.value
                    if isinstance(node, BooleanValueNode):
                        value = node.value
                    elif isinstance(node, VariableNode):
                        value = bool(self.variables.get(node.name.value))
            if name == "skip" and value:
                return False
            if name == "include" and not value:
                return False
        return True


def skip_include_variables(document: Any) -> tuple[str, ...]:
    """The variables whose values decide @skip/@include anywhere in the document (plan cache key)."""
    from graphql.language import VariableNode, Visitor, visit

    names: set[str] = set()

    class _V(Visitor):
        def enter_directive(self, node: Any, *_: Any) -> None:
            if node.name.value in ("skip", "include"):
                for arg in node.arguments or ():
                    if isinstance(arg.value, VariableNode):
                        names.add(arg.value.name.value)

    visit(document, _V())
    return tuple(sorted(names))
