"""An event's payload as the subscription's source fetch would have answered it.

Under uvicorn the owning subgraph resolves the source selection for each event. On AWS the service
publishes the root field's value itself (`publish_event(topic, payload)`: the object as GraphQL JSON,
with the schema's field names), and the fan-out takes from it what the source fetch selects: fields
by name under their response keys (aliases), inline fragments whose type applies, `__typename` from
the schema. Arguments of nested fields cannot be evaluated here (the payload holds one value per
field); the shaping step then checks every value against the schema, as for a subgraph's answer.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from graphql import (
    FieldNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
    is_object_type,
    parse,
)


@lru_cache(maxsize=256)
def _root_selection(operation: str) -> tuple[str, str, SelectionSetNode | None]:
    """(response key, field name, selection) of the source operation's one root field."""
    document = parse(operation, no_location=True)
    definition = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    field = next(s for s in definition.selection_set.selections if isinstance(s, FieldNode))
    key = field.alias.value if field.alias else field.name.value
    return key, field.name.value, field.selection_set


def source_response(schema: GraphQLSchema, operation: str, payload: Any) -> dict[str, Any]:
    """The source fetch's response ({"data": {root key: value}}) for one event payload."""
    key, name, selection = _root_selection(operation)
    root = schema.subscription_type
    field = root.fields.get(name) if root is not None else None
    if field is None:
        return {"data": None, "errors": [{"message": f"Subscription.{name} is not in the schema"}]}
    return {"data": {key: _value(schema, get_named_type(field.type), selection, payload)}}


def _value(schema: GraphQLSchema, type_: Any, selection: SelectionSetNode | None, value: Any) -> Any:
    if value is None or selection is None:
        return value
    if isinstance(value, list):
        return [_value(schema, type_, selection, v) for v in value]
    if not isinstance(value, dict):
        return value  # not an object where one is expected: the shaping step reports it
    typename = value.get("__typename")
    concrete = schema.get_type(typename) if isinstance(typename, str) else (type_ if is_object_type(type_) else None)
    out: dict[str, Any] = {}
    _select(schema, concrete, selection, value, out)
    return out


def _select(schema: GraphQLSchema, concrete: Any, selection: SelectionSetNode, value: dict[str, Any],
            out: dict[str, Any]) -> None:
    for node in selection.selections:
        if isinstance(node, FieldNode):
            name = node.name.value
            key = node.alias.value if node.alias else name
            if name == "__typename":
                out[key] = concrete.name if concrete is not None else value.get("__typename")
                continue
            if name not in value:
                continue  # missing: null with an error after shaping when the field is non-null
            field = concrete.fields.get(name) if concrete is not None else None
            inner = get_named_type(field.type) if field is not None else None
            out[key] = _value(schema, inner, node.selection_set, value[name])
        elif isinstance(node, InlineFragmentNode):
            condition = node.type_condition.name.value if node.type_condition else None
            if condition is None or (concrete is not None and _applies(schema, condition, concrete)):
                _select(schema, concrete, node.selection_set, value, out)


def _applies(schema: GraphQLSchema, condition: str, concrete: Any) -> bool:
    if condition == concrete.name:
        return True
    parent = schema.get_type(condition)
    return parent is not None and is_abstract_type(parent) and schema.is_sub_type(parent, concrete)
