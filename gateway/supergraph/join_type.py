"""`@join__type(graph:, key:, extension:, resolvable:, isInterfaceObject:)`: which
subgraphs define a type, and the keys each can resolve it by."""

from __future__ import annotations

from typing import Any

from ._args import directives_named, parse_field_set
from .model import Key, TypeInGraph


def read_join_types(node: Any, prefix: str) -> dict[str, TypeInGraph]:
    graphs: dict[str, TypeInGraph] = {}
    for args in directives_named(node, f"{prefix}__type"):
        graph = args["graph"]
        entry = graphs.get(graph)
        if entry is None:
            entry = graphs[graph] = TypeInGraph(graph=graph)
        if args.get("extension"):
            entry.extension = True
        if args.get("isInterfaceObject"):
            entry.is_interface_object = True
        key = args.get("key")
        if key:
            entry.keys.append(Key(fields=parse_field_set(key), text=key, resolvable=args.get("resolvable", True) is not False))
    return graphs
