"""`@join__implements(graph:, interface:)`: the interfaces a type implements in each subgraph."""

from __future__ import annotations

from typing import Any

from ._args import directives_named


def read_implements(node: Any, prefix: str) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for args in directives_named(node, f"{prefix}__implements"):
        result.setdefault(args["graph"], set()).add(args["interface"])
    return result
