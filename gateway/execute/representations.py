"""Build `_entities` representations from objects already in the response."""

from __future__ import annotations

from typing import Any

from ..operation.selection import NField, Selection


def representation(obj: dict[Any, Any], entity_name: str, requires: Selection) -> dict[Any, Any] | None:
    """{"__typename": entity, key fields..., @requires fields...}; None if a key field is missing."""
    fields = requires.get(obj.get("__typename", "")) if len(requires) > 1 else next(iter(requires.values()))
    if fields is None:
        fields = next(iter(requires.values()))
    rep: dict[str, Any] = {"__typename": entity_name}
    for f in fields.values():
        if f.name == "__typename":
            continue
        if f.response_key not in obj:
            return None
        rep[f.name] = _copy(obj[f.response_key], f)
    return rep


def _copy(value: Any, field: NField) -> Any:
    if field.children is None or value is None:
        return value
    if isinstance(value, list):
        return [_copy(v, field) for v in value]
    if not isinstance(value, dict):
        return value
    children: Selection = field.children
    fields = children.get(value.get("__typename", "")) if len(children) > 1 else next(iter(children.values()), None)
    out: dict[str, Any] = {}
    if "__typename" in value:
        out["__typename"] = value["__typename"]
    for f in (fields or {}).values():
        if f.response_key in value:
            out[f.name] = _copy(value[f.response_key], f)
    return out
