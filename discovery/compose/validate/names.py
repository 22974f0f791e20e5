"""Subgraph names become `join__Graph` enum values and appear in `@override(from:)`,
so they must be identifiers, unique, and distinct once upper-cased."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..result import CompositionError, SubgraphInput

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def graph_enum_value(name: str) -> str:
    """`accounts` -> `ACCOUNTS`, `user-service` -> `USER_SERVICE`."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name).upper()


def check_names(subgraphs: Sequence[SubgraphInput]) -> list[CompositionError]:
    errors: list[CompositionError] = []
    seen: dict[str, str] = {}
    enum_values: dict[str, str] = {}
    for sub in subgraphs:
        if not _NAME.match(sub.name) or sub.name == "_":
            errors.append(CompositionError(
                "INVALID_SUBGRAPH_NAME",
                f'Subgraph name "{sub.name}" is not a valid identifier (letters, digits, "_" and "-", '
                f'not starting with a digit)', (sub.name,)))
            continue
        if sub.name in seen:
            errors.append(CompositionError(
                "DUPLICATE_SUBGRAPH_NAME", f'Subgraph name "{sub.name}" is used by more than one subgraph', (sub.name,)))
            continue
        seen[sub.name] = sub.name
        value = graph_enum_value(sub.name)
        if value in enum_values:
            errors.append(CompositionError(
                "INVALID_SUBGRAPH_NAME",
                f'Subgraph names "{enum_values[value]}" and "{sub.name}" both become the graph enum value {value}',
                (enum_values[value], sub.name)))
            continue
        enum_values[value] = sub.name
    return errors
