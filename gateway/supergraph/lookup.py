"""`@bff__lookup(graph:, field:, arguments:)`: how to fetch an object from a plain
GraphQL service that has no `_entities` (discovery/compose/README.md)."""

from __future__ import annotations

import json
from typing import Any

from ._args import directives_named


def read_lookups(node: Any, prefix: str) -> dict[str, tuple[str, dict[str, str]]]:
    lookups: dict[str, tuple[str, dict[str, str]]] = {}
    for args in directives_named(node, f"{prefix}__lookup"):
        try:
            arguments = json.loads(args.get("arguments") or "{}")
        except ValueError:
            continue
        if isinstance(arguments, dict) and args.get("graph") and args.get("field"):
            lookups[args["graph"]] = (args["field"], {str(k): str(v) for k, v in arguments.items()})
    return lookups
