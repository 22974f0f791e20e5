"""How expensive it is to resolve a selection starting from a subgraph.

The planner compares options with these estimates: stay in the current
subgraph, or jump to another through an entity key (one more fetch, plus
whatever it takes to get the key and @requires fields). INF means impossible
(for example a value type whose fields live elsewhere: there is no key to jump by).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..operation.selection import NField

if TYPE_CHECKING:
    from .planner import PlanningRun

INF = float("inf")
MAX_DEPTH = 6


class CostModel:
    def __init__(self, run: "PlanningRun") -> None:
        self.run = run
        self.sg = run.sg
        self.memo: dict[tuple, float] = {}
        self.jump_memo: dict[tuple, tuple[float, str | None]] = {}

    def local(self, graph: str, type_name: str, field: NField, provided: dict | None,
              ignore_requires: bool = False, depth: int = 0) -> float:
        """Cost of resolving `field` inside the current fetch to `graph` (INF if it can't)."""
        fdef = self.sg.types[type_name].fields.get(field.name)
        if fdef is None:
            return INF
        in_provided = provided is not None and field.name in provided
        if graph not in fdef.resolvable_in and not in_provided:
            if not self.run.via_interface_object(graph, type_name, field.name):
                return INF
        join = fdef.by_graph.get(graph)
        if join is not None and join.requires is not None and not in_provided and not ignore_requires:
            return INF
        if field.children is None:
            return 0
        possible = self.run.possible_at(graph, fdef)
        child_provided = self.run.child_provided(graph, fdef, provided, field)
        cost = 0.0
        for child_type, child_fields in field.children.items():
            if child_type not in possible:
                continue
            cost += self.estimate(graph, child_type, child_fields,
                                  child_provided.get(child_type) if child_provided else None, depth)
            if cost == INF:
                return INF
        return cost

    def estimate(self, graph: str, type_name: str, fields: dict[str, NField], provided: dict | None,
                 depth: int = 0) -> float:
        memo_key = (graph, type_name, id(fields), id(provided))
        cached = self.memo.get(memo_key)
        if cached is not None:
            return cached
        if depth > MAX_DEPTH:
            return INF
        self.memo[memo_key] = INF  # cycle guard while computing
        cost = 0.0
        targets: dict[str, float] = {}
        for field in fields.values():
            if field.name.startswith("__"):
                continue
            local = self.local(graph, type_name, field, provided, depth=depth)
            if local == 0:
                continue
            jump, target, base = self.jump(graph, type_name, field, provided, depth + 1)
            if local <= jump:
                cost += local
                continue
            if target is None:
                cost = INF
                break
            # Fields going to the same subgraph share one fetch: count its base once.
            if target in targets:
                cost += jump - base
            else:
                targets[target] = base
                cost += jump
        self.memo[memo_key] = cost
        return cost

    def jump(self, graph: str, type_name: str, field: NField, provided: dict | None,
             depth: int = 0) -> tuple[float, str | None, float]:
        """Cheapest entity jump from `graph` to a subgraph that resolves `field`: (cost, target, base)."""
        best: tuple[float, str | None, float] = (INF, None, INF)
        if depth > MAX_DEPTH:
            return best
        for target, key_cost, requires_cost in self.run.jump_targets(graph, type_name, field, provided, depth):
            local = self.local(target, type_name, field, None, ignore_requires=True, depth=depth + 1)
            if local == INF:
                continue
            base = 1 + key_cost
            total = base + requires_cost + local
            if total < best[0]:
                best = (total, target, base)
        return best
