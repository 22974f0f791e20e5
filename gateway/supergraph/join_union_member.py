"""`@join__unionMember(graph:, member:)`: the members a union has in each subgraph."""

from __future__ import annotations

from typing import Any

from ._args import directives_named


def read_union_members(node: Any, prefix: str) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for args in directives_named(node, f"{prefix}__unionMember"):
        result.setdefault(args["graph"], set()).add(args["member"])
    return result
