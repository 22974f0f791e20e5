"""FORBIDDEN / UNAUTHENTICATED errors at every concrete path of a denied field.

They are added to the executor's errors before shaping: the shaper then finds the
field missing, answers null (propagating for non-null fields) and, since an error
already covers the path, adds no "Cannot return null" error of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bff_common.access_evaluate import MESSAGES

from .transform import Denied


def denied_errors(data: Any, denied: list[Denied], applies: Callable[[str, Any], bool]) -> list[dict[Any, Any]]:
    """One error per concrete path (list indices included) of each denied field in `data`."""
    errors: list[dict[Any, Any]] = []
    for d in denied:
        for parent, path in _objects(data, d.path, []):
            if applies(d.parent, parent.get("__typename")):
                errors.append({"message": MESSAGES[d.code].format(d.coordinate), "path": [*path, d.key],
                               "extensions": {"code": d.code}})
    return errors


def reject_errors(denied: list[Denied]) -> list[dict[Any, Any]]:
    """The request's errors in reject mode: one per denied field coordinate."""
    seen: dict[tuple[str, str], None] = {}
    for d in denied:
        seen[(d.code, d.coordinate)] = None
    return [{"message": MESSAGES[code].format(coordinate), "extensions": {"code": code}} for code, coordinate in seen]


def _objects(value: Any, steps: tuple[str, ...], path: list[Any]) -> list[tuple[dict[Any, Any], list[Any]]]:
    if isinstance(value, list):
        out = []
        for i, item in enumerate(value):
            out.extend(_objects(item, steps, [*path, i]))
        return out
    if not isinstance(value, dict):
        return []
    if not steps:
        return [(value, path)]
    return _objects(value.get(steps[0]), steps[1:], [*path, steps[0]])
