"""Error reporting for one shaping run: paths, locations, de-duplication.

Everything here runs only when something is wrong, so it may allocate freely;
the happy path never touches it except for creating a `RunState`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from graphql import FieldNode
from graphql.language import get_location

# A response path as a linked list: (parent path, key) or None for the root.
# Building it costs one tuple per composite value, and it becomes a list only for an error.
Path = tuple[Any, "str | int"] | None


class NullPosition(Exception):
    """This position is null and its error is already recorded; the nearest nullable position catches it."""


class FieldSite:
    """What an error at one field position says: `Parent.field` and the field's locations."""

    __slots__ = ("coordinate", "locations")

    def __init__(self, parent_type: str, field_name: str, nodes: Sequence[FieldNode]) -> None:
        self.coordinate = f"{parent_type}.{field_name}"
        self.locations = node_locations(nodes)


def node_locations(nodes: Sequence[Any]) -> list[dict[str, int]] | None:
    """[{"line", "column"}] of the nodes, or None when the document was parsed without locations."""
    locations = []
    for node in nodes:
        loc = node.loc
        if loc is not None and loc.source is not None:
            where = get_location(loc.source, loc.start)
            locations.append({"line": where.line, "column": where.column})
    return locations or None


def path_list(parent: Path, key: str | int) -> list[str | int]:
    """The linked path `parent` plus `key`, as the list GraphQL errors carry."""
    keys = [key]
    while parent is not None:
        parent, key = parent
        keys.append(key)
    keys.reverse()
    return keys


class RunState:
    """Per-run error bookkeeping: the shaper's own errors and the incoming errors' coverage."""

    __slots__ = ("incoming", "errors", "_covered", "_at")

    def __init__(self, incoming: list[dict[Any, Any]]) -> None:
        self.incoming = incoming
        self.errors: list[dict[Any, Any]] = []
        self._covered: set[tuple[Any, ...]] | None = None
        self._at: set[tuple[Any, ...]] = set()

    def error(self, site: FieldSite, parent: Path, key: str | int, message: str) -> None:
        """Record an error at `parent` + `key`."""
        error: dict[str, Any] = {"message": message}
        if site.locations is not None:
            error["locations"] = [dict(location) for location in site.locations]
        error["path"] = path_list(parent, key)
        self.errors.append(error)

    def null_error(self, site: FieldSite, parent: Path, key: str | int) -> None:
        """A null at a non-null position: explain it, unless an incoming error already does.

        An incoming error explains it when it is at or below the position, or at the object
        holding the field: a failed entity fetch reports each object it could not complete,
        and the fields missing from that object are its consequence, not new errors."""
        path = path_list(parent, key)
        covered = self._coverage()
        if tuple(path) in covered or tuple(path[:-1]) in self._at:
            return
        error: dict[str, Any] = {"message": f"Cannot return null for non-nullable field {site.coordinate}."}
        if site.locations is not None:
            error["locations"] = [dict(location) for location in site.locations]
        error["path"] = path
        self.errors.append(error)

    def _coverage(self) -> set[tuple[Any, ...]]:
        # Every prefix of every incoming error's path: an error at or below P puts P in this set.
        covered = self._covered
        if covered is None:
            covered = set()
            for error in self.incoming:
                path = error.get("path") if isinstance(error, dict) else None
                if path:
                    for end in range(1, len(path) + 1):
                        covered.add(tuple(path[:end]))
                    self._at.add(tuple(path))
            self._covered = covered
        return covered


def inspect(value: Any) -> str:
    """A value as graphql-js's `inspect` prints it in error messages ("x", 1, true, null, [1], { a: 1 })."""
    return _inspect(value, 0)


def _inspect(value: Any, depth: int) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        if depth >= 2:
            return "[Array]"
        shown = [_inspect(item, depth + 1) for item in value[:10]]
        if len(value) > 10:
            shown.append(f"... {len(value) - 10} more items")
        return "[" + ", ".join(shown) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        if depth >= 2:
            return "[Object]"
        return "{ " + ", ".join(f"{k}: {_inspect(v, depth + 1)}" for k, v in value.items()) + " }"
    return f"<{type(value).__name__}>"


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
