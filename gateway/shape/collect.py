"""CollectFields at compile time: which fields a selection set yields for one object type.

Runs once per (object type, selection sets) when a program is compiled, never
per request. @skip/@include are settled here with the operation's variables,
which is why the caller keys its program cache on `skip_include_variables`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    is_abstract_type,
)

_CONDITIONS = ("skip", "include")


def collect_fields(
    schema: GraphQLSchema,
    object_type: GraphQLObjectType,
    selection_sets: Iterable[SelectionSetNode],
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
) -> dict[str, list[FieldNode]]:
    """Response key -> field nodes, in the client's order (spec CollectFields/CollectSubfields).

    Several selection sets are merged the way graphql-js merges the
    sub-selections of fields sharing one response key: one visited-fragment set.
    """
    fields: dict[str, list[FieldNode]] = {}
    visited: set[str] = set()
    for selection_set in selection_sets:
        _collect(schema, object_type, selection_set, fragments, variables, fields, visited)
    return fields


def _collect(
    schema: GraphQLSchema,
    object_type: GraphQLObjectType,
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    fields: dict[str, list[FieldNode]],
    visited: set[str],
) -> None:
    for selection in selection_set.selections:
        if not is_included(selection, variables):
            continue
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            fields.setdefault(key, []).append(selection)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            if condition is None or type_applies(schema, condition.name.value, object_type):
                _collect(schema, object_type, selection.selection_set, fragments, variables, fields, visited)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in visited:
                continue
            visited.add(name)
            fragment = fragments.get(name)
            if fragment is None or not type_applies(schema, fragment.type_condition.name.value, object_type):
                continue
            _collect(schema, object_type, fragment.selection_set, fragments, variables, fields, visited)


def type_applies(schema: GraphQLSchema, condition: str, object_type: GraphQLObjectType) -> bool:
    """DoesFragmentTypeApply: the condition is the object type or an abstract type containing it."""
    if condition == object_type.name:
        return True
    condition_type = schema.get_type(condition)
    return condition_type is not None and is_abstract_type(condition_type) and schema.is_sub_type(
        condition_type, object_type
    )


def is_included(node: Any, variables: dict[str, Any]) -> bool:
    """False when @skip(if: true) or @include(if: false) removes the selection."""
    directives = node.directives
    if not directives:
        return True
    for directive in directives:
        name = directive.name.value
        if name not in _CONDITIONS:
            continue
        value = _condition_value(directive, variables)
        if name == "skip" and value:
            return False
        if name == "include" and not value:
            return False
    return True


def _condition_value(directive: Any, variables: dict[str, Any]) -> bool:
    for argument in directive.arguments or ():
        if argument.name.value != "if":
            continue
        value = argument.value
        if isinstance(value, BooleanValueNode):
            return value.value
        if isinstance(value, VariableNode):
            # Coerced variables already carry defaults; a missing one counts as false.
            return bool(variables.get(value.name.value))
    return False


def skip_include_variables(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
) -> frozenset[str]:
    """Names of the variables that @skip/@include read, in the operation and the fragments it reaches.

    A compiled program depends on exactly these values, so they belong in its cache key.
    """
    names: set[str] = set()
    seen_fragments: set[str] = set()
    pending: list[SelectionSetNode] = [operation.selection_set]
    while pending:
        for selection in pending.pop().selections:
            for directive in selection.directives or ():
                if directive.name.value in _CONDITIONS:
                    for argument in directive.arguments or ():
                        if isinstance(argument.value, VariableNode):
                            names.add(argument.value.name.value)
            if isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is not None and name not in seen_fragments:
                    seen_fragments.add(name)
                    pending.append(fragment.selection_set)
            elif isinstance(selection, (FieldNode, InlineFragmentNode)) and selection.selection_set is not None:
                pending.append(selection.selection_set)
    return frozenset(names)
