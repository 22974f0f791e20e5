"""Where a fetch's errors point: at the client's paths of the data the fetch leaves missing.

Why: a client shows partial data; an error without a `path` cannot tell it which part
of its screen is missing. Apollo Router's rule is followed: a failed entity fetch gives
one error per affected object (that object's response path, list indices included), a
failed root fetch one per root field it would have filled. A subgraph's own error at
`["_entities", i, ...]` is re-rooted to every object representation i came from; one
without a usable path goes to each position the fetch left missing (and stays once,
without a path, when nothing is missing). An answer of the wrong shape (`data` not an
object, `_entities` not a list or of the wrong length, an entity that is not an object)
is an error too, never a silent null.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FAILED = "SUBGRAPH_REQUEST_FAILED"  # no usable answer (down, HTTP error, not JSON, timeout, cut short)
INVALID = "SUBGRAPH_INVALID_RESPONSE"  # a GraphQL answer whose shape does not fit the request


def gateway_errors(message: str, code: str, service: str, paths: Iterable[list[Any]]) -> list[dict[Any, Any]]:
    """The gateway's own error about one fetch, once per affected path."""
    return at_paths({"message": message, "extensions": {"code": code, "serviceName": service}}, paths)


def invalid(service: str, problem: str) -> str:
    return f'Subgraph "{service}" answered an invalid response: {problem}'


def at_paths(error: dict[Any, Any], paths: Iterable[list[Any]]) -> list[dict[Any, Any]]:
    """Copies of a client-ready error, one at each distinct path; the error itself when there is none."""
    out: list[dict[Any, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    for path in paths:
        key = tuple(path)
        if key in seen:
            continue
        seen.add(key)
        copy: dict[str, Any] = {"message": error["message"], "path": path}
        for name, value in error.items():
            if name not in ("message", "path"):
                copy[name] = dict(value) if isinstance(value, dict) else value
        out.append(copy)
    return out or [error]


def subgraph_errors(response: dict[Any, Any]) -> list[dict[Any, Any]]:
    errors = response.get("errors")
    if not isinstance(errors, list):
        return []
    return [e for e in errors if isinstance(e, dict)]


def root_data(response: dict[Any, Any]) -> tuple[dict[Any, Any] | None, str | None]:
    """A root fetch's `data`, or why the answer cannot be used (None when its errors explain it)."""
    data = response.get("data")
    if isinstance(data, dict):
        return data, None
    if data is None:
        return None, None if subgraph_errors(response) else "no data and no errors"
    return None, '"data" is not an object'


def entities_of(response: dict[Any, Any], count: int) -> tuple[list[Any] | None, str | None]:
    """An entity fetch's `_entities` list for `count` representations, or why it cannot be used."""
    data, problem = root_data(response)
    if data is None:
        return None, problem
    entities = data.get("_entities")
    if isinstance(entities, list):
        if len(entities) != count:
            return None, f"{len(entities)} entities for {count} representations"
        return entities, None
    if entities is None:
        return None, None if subgraph_errors(response) else 'no "_entities"'
    return None, '"_entities" is not a list'


def entity_index(path: Any, count: int) -> int | None:
    """i for an error path `["_entities", i, ...]` naming one of the `count` representations."""
    if isinstance(path, list) and len(path) >= 2 and path[0] == "_entities" and isinstance(path[1], int) \
            and 0 <= path[1] < count:
        return path[1]
    return None
