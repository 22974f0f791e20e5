"""`enum join__Graph { A @join__graph(name: "a", url: "...") }`: the subgraphs."""

from __future__ import annotations

from typing import Any

from ._args import directives_named
from .model import Subgraph


def read_graphs(enum_node: Any, prefix: str) -> dict[str, Subgraph]:
    graphs: dict[str, Subgraph] = {}
    for value in enum_node.values or ():
        graph_id = value.name.value
        for args in directives_named(value, f"{prefix}__graph"):
            graphs[graph_id] = Subgraph(id=graph_id, name=args.get("name") or graph_id.lower(), url=args.get("url") or "")
    return graphs
