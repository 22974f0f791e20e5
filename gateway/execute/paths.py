"""Finding the objects an entity fetch works on, and writing results back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..plan.nodes import Path


def objects_at(data: Any, path: Path) -> Iterator[tuple[dict[Any, Any], list[Any]]]:
    """Yield (object, response path with list indices) for every object at `path`."""
    stack: list[tuple[Any, int, list[Any]]] = [(data, 0, [])]
    while stack:
        value, depth, where = stack.pop()
        if value is None:
            continue
        if depth == len(path):
            if isinstance(value, dict):
                yield value, where
            elif isinstance(value, list):  # a list the plan did not mark (defensive)
                for i in range(len(value) - 1, -1, -1):
                    stack.append((value[i], depth, where + [i]))
            continue
        step = path[depth]
        if step == "@":
            if isinstance(value, list):
                for i in range(len(value) - 1, -1, -1):
                    stack.append((value[i], depth + 1, where + [i]))
        elif isinstance(value, dict):
            stack.append((value.get(step), depth + 1, where + [step]))
        elif isinstance(value, list):  # tolerate a list where the plan expected an object
            for i in range(len(value) - 1, -1, -1):
                stack.append((value[i], depth, where + [i]))


def deep_merge(target: dict[Any, Any], source: dict[Any, Any], keep_typename: bool = False) -> None:
    """Merge a subgraph's result into the response data in place."""
    for key, value in source.items():
        if key == "__typename" and keep_typename and key in target:
            continue
        existing = target.get(key)
        if isinstance(existing, dict) and isinstance(value, dict):
            deep_merge(existing, value, keep_typename)
        elif isinstance(existing, list) and isinstance(value, list) and len(existing) == len(value):
            for i, item in enumerate(value):
                if isinstance(existing[i], dict) and isinstance(item, dict):
                    deep_merge(existing[i], item, keep_typename)
                elif existing[i] is None or not isinstance(existing[i], (dict, list)):
                    existing[i] = item
                elif isinstance(existing[i], list) and isinstance(item, list):
                    deep_merge({"_": existing[i]}, {"_": item}, keep_typename)
        elif existing is None or key not in target or not isinstance(existing, (dict, list)):
            target[key] = value
