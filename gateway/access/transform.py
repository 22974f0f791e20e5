"""The client's operation without the fields a principal may not see (an AST transform
done before normalization and planning), and where those fields were."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLSchema, get_named_type, is_abstract_type
from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode, NameNode, SelectionSetNode, VariableNode

from bff_common.access_rules import AccessRules, Requirement

Decide = Callable[[Requirement], "str | None"]  # requirement -> None (allowed) or error code


@dataclass(frozen=True, slots=True)
class Denied:
    """A denied field: its response key under the objects at `path` (response keys, no indices)."""

    path: tuple[str, ...]
    key: str
    parent: str
    coordinate: str
    code: str


class AccessWalker:
    """Walks operations against the API schema, looking up each field's requirement."""

    def __init__(self, schema: GraphQLSchema, rules: AccessRules) -> None:
        self.schema = schema
        self.rules = rules

    def requirement(self, parent: Any, node: FieldNode) -> tuple[Requirement, Any] | None:
        name = node.name.value
        if name.startswith("__"):
            return None
        field = getattr(parent, "fields", {}).get(name)
        if field is None:
            return None
        returns = get_named_type(field.type)
        return self.rules.of_field(parent.name, name, returns.name), returns

    def requirements(self, operation: Any, fragments: dict[str, Any]) -> tuple[Requirement, ...]:
        """The distinct non-empty requirements of the fields an operation selects (through its fragments)."""
        found: dict[Requirement, None] = {}
        seen: set[str] = set()

        def walk(selection_set: Any, parent: Any) -> None:
            for sel in selection_set.selections:
                if isinstance(sel, FieldNode):
                    looked = self.requirement(parent, sel)
                    if looked is None:
                        continue
                    req, returns = looked
                    if req:
                        found[req] = None
                    if sel.selection_set is not None:
                        walk(sel.selection_set, returns)
                elif isinstance(sel, InlineFragmentNode):
                    walk(sel.selection_set, self._condition(sel, parent))
                elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                    seen.add(sel.name.value)
                    fragment = fragments.get(sel.name.value)
                    if fragment is not None:
                        walk(fragment.selection_set, self._condition(fragment, parent))

        walk(operation.selection_set, self._root(operation))
        return tuple(sorted(found, key=repr))

    def filtered(self, operation: Any, fragments: dict[str, Any], decide: Decide) -> tuple[Any, dict[str, Any]]:
        """(selection set, fragments) without the denied fields; emptied selection sets keep `__typename`."""
        new_fragments = {name: _with_selection(f, self._filter(f.selection_set, self._condition(f, None), decide))
                         for name, f in fragments.items()}
        return self._filter(operation.selection_set, self._root(operation), decide), new_fragments

    def denied(self, operation: Any, fragments: dict[str, Any], variables: dict[str, Any],
               decide: Decide) -> list[Denied]:
        """Every denied field the operation selects (after @skip/@include), by response path."""
        out: list[Denied] = []

        def walk(selection_set: Any, parent: Any, path: tuple[str, ...]) -> None:
            for sel in selection_set.selections:
                if not _included(sel, variables):
                    continue
                if isinstance(sel, FieldNode):
                    looked = self.requirement(parent, sel)
                    if looked is None:
                        continue
                    req, returns = looked
                    key = sel.alias.value if sel.alias else sel.name.value
                    code = decide(req) if req else None
                    if code is not None:
                        out.append(Denied(path, key, parent.name, f"{parent.name}.{sel.name.value}", code))
                    elif sel.selection_set is not None:
                        walk(sel.selection_set, returns, path + (key,))
                elif isinstance(sel, InlineFragmentNode):
                    walk(sel.selection_set, self._condition(sel, parent), path)
                elif isinstance(sel, FragmentSpreadNode):
                    fragment = fragments.get(sel.name.value)
                    if fragment is not None:
                        walk(fragment.selection_set, self._condition(fragment, parent), path)

        walk(operation.selection_set, self._root(operation), ())
        return out

    def applies(self, parent_name: str, typename: Any) -> bool:
        """Whether an object of `typename` (None: unknown) is one a selection on `parent_name` covers."""
        if not isinstance(typename, str) or typename == parent_name:
            return True
        parent = self.schema.get_type(parent_name)
        concrete = self.schema.get_type(typename)
        if parent is None or concrete is None or not is_abstract_type(parent):
            return False
        return self.schema.is_sub_type(parent, concrete)

    def _filter(self, selection_set: Any, parent: Any, decide: Decide) -> Any:
        kept = []
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                looked = self.requirement(parent, sel)
                if looked is not None:
                    req, returns = looked
                    if req and decide(req) is not None:
                        continue
                    if sel.selection_set is not None:
                        sel = _with_selection(sel, self._filter(sel.selection_set, returns, decide))
            elif isinstance(sel, InlineFragmentNode):
                sel = _with_selection(sel, self._filter(sel.selection_set, self._condition(sel, parent), decide))
            kept.append(sel)
        if not kept:
            kept.append(FieldNode(name=NameNode(value="__typename"), arguments=(), directives=()))
        return SelectionSetNode(selections=tuple(kept))

    def _root(self, operation: Any) -> Any:
        return self.schema.get_root_type(operation.operation)

    def _condition(self, node: Any, parent: Any) -> Any:
        condition = node.type_condition
        return self.schema.get_type(condition.name.value) if condition is not None else parent


def _with_selection(node: Any, selection_set: Any) -> Any:
    if dataclasses.is_dataclass(node) and not isinstance(node, type):  # graphql-core 3.3: frozen nodes
        return dataclasses.replace(node, selection_set=selection_set)
    out = copy.copy(node)
    out.selection_set = selection_set
    return out


def _included(node: Any, variables: dict[str, Any]) -> bool:
    for d in node.directives or ():
        if d.name.value not in ("skip", "include"):
            continue
        arg = next((a.value for a in d.arguments or () if a.name.value == "if"), None)
        value = variables.get(arg.name.value) if isinstance(arg, VariableNode) else getattr(arg, "value", False)
        if bool(value) == (d.name.value == "skip"):
            return False
    return True
