"""Entity fetches to plain GraphQL services, through their lookup field.

`_entities` answers many representations in one call; a lookup field answers one
object per call, so the step's objects are fetched with one aliased field each, in
ONE request: `{ _0: userById(id: "1") { ... } _1: userById(id: "2") { ... } }`.
The answer is then reshaped like an `_entities` answer (list in order, errors at
`["_entities", i, ...]`) so the rest of the executor does not care.
"""

from __future__ import annotations

import json
from typing import Any

from ..plan.nodes import LookupSpec


def lookup_document(spec: LookupSpec, representations: list[dict[Any, Any]]) -> str:
    fields = []
    for i, rep in enumerate(representations):
        arguments = ", ".join(f"{arg}: {literal(_key_value(rep, key))}" for arg, key in spec.arguments.items())
        fields.append(f"_{i}: {spec.field}({arguments}) {spec.selection}")
    return f"{spec.header} {{ {' '.join(fields)} }}"


def lookup_response(response: dict[str, Any], count: int) -> dict[str, Any]:
    data = response.get("data")
    out: dict[str, Any] = dict(response)
    if isinstance(data, dict):
        out["data"] = {"_entities": [data.get(f"_{i}") for i in range(count)]}
    errors = response.get("errors")
    if isinstance(errors, list):
        moved = []
        for error in errors:
            path = error.get("path") if isinstance(error, dict) else None
            if isinstance(path, list) and path and isinstance(path[0], str) and path[0][1:].isdigit():
                error = {**error, "path": ["_entities", int(path[0][1:]), *path[1:]]}
            moved.append(error)
        out["errors"] = moved
    return out


def _key_value(rep: dict[Any, Any], key: str) -> Any:
    """A key field's value in the representation; nested key fields ("org { id }") give objects."""
    name = key.split("{", 1)[0].strip()
    return rep.get(name)


def literal(value: Any) -> str:
    """A JSON value as a GraphQL literal (strings escaped as JSON strings, which GraphQL accepts)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as a GraphQL literal")
