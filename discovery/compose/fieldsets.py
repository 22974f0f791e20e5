"""Field sets (`@key(fields:)`, `@requires(fields:)`, `@provides(fields:)`): parse them and
walk their selections against one subgraph's types."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from graphql import parse
from graphql.error import GraphQLSyntaxError
from graphql.language import FieldNode, InlineFragmentNode, OperationDefinitionNode, SelectionSetNode

from .model import INTERFACE, OBJECT, UNION, Field, Subgraph, Type
from .typeref import named

# (parent type, field, exempt) for each selected field; `exempt`: needn't be @external itself
# (it has a selection, sits under an @external field, or belongs to an interface); returns an error message or None
Visitor = Callable[[Type, Field, bool], str | None]


@lru_cache(maxsize=4096)
def parse_field_set(text: str) -> SelectionSetNode | None:
    try:
        definition = parse("{" + text + "}", no_location=True).definitions[0]
    except GraphQLSyntaxError:
        return None
    return definition.selection_set if isinstance(definition, OperationDefinitionNode) else None


def top_level_fields(text: str) -> set[str]:
    selection = parse_field_set(text)
    if selection is None:
        return set()
    return {s.name.value for s in selection.selections if isinstance(s, FieldNode)}


def walk_field_set(sub: Subgraph, parent: Type, text: str, visit: Visitor) -> list[str]:
    """Check every selected field exists in `sub` and call `visit` on it; returns problems."""
    selection = parse_field_set(text)
    if selection is None:
        return [f'the field set "{text}" does not parse']
    problems: list[str] = []
    _walk(sub, parent, selection, visit, problems, False)
    return problems


def _walk(sub: Subgraph, parent: Type, selection: SelectionSetNode, visit: Visitor, problems: list[str],
          under_external: bool) -> None:
    for sel in selection.selections:
        if isinstance(sel, InlineFragmentNode):
            condition = sel.type_condition.name.value if sel.type_condition else None
            target = sub.types.get(condition) if condition is not None else parent
            if target is None:
                problems.append(f'unknown type "{condition}"')
                continue
            _walk(sub, target, sel.selection_set, visit, problems, under_external)
            continue
        if not isinstance(sel, FieldNode):
            problems.append("fragment spreads are not allowed in field sets")
            continue
        name = sel.name.value
        if name == "__typename":
            continue
        field = parent.fields.get(name)
        if field is None:
            problems.append(f'field "{parent.name}.{name}" does not exist in the subgraph')
            continue
        exempt = under_external or sel.selection_set is not None or parent.kind == "interface"
        message = visit(parent, field, exempt)
        if message:
            problems.append(message)
        child = sub.types.get(named(field.type))
        if sel.selection_set is not None:
            if child is None or child.kind not in (OBJECT, INTERFACE, UNION):
                problems.append(f'field "{parent.name}.{name}" is a leaf and cannot have a selection')
            else:
                _walk(sub, child, sel.selection_set, visit, problems, under_external or field.external)
        elif child is not None and child.kind in (OBJECT, INTERFACE, UNION):
            problems.append(f'field "{parent.name}.{name}" returns a composite type and needs a selection')
