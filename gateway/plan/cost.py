"""How expensive it is to resolve a selection starting from a subgraph.

For every field the planner picks one of three moves, by estimated cost:
- local: stay in the current fetch;
- jump: go to another subgraph through an entity key (one more fetch, plus
  what it takes to get the key and @requires fields) or, for a root Query
  field, through another root fetch;
- split: keep the subfields the current subgraph can reach and jump for the
  rest (a shareable field whose subfields live in different subgraphs).
INF means impossible (for example a value type whose fields live elsewhere:
there is no key to jump by).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..operation.selection import NField

if TYPE_CHECKING:  # a Protocol, for the checker only: creating it would cost the cold start ~1 ms
    from .schema_view import SchemaView

INF = float("inf")
MAX_DEPTH = 40  # a safety net; cycles are cut by the memo placeholders


@dataclass(slots=True)
class Decision:
    kind: str  # "local" | "jump" | "split" | "impossible"
    cost: float
    target: str | None = None
    base: float = 0.0  # the cost of the jump itself (shared by fields jumping together)
    local_part: NField | None = None
    remote_part: NField | None = None


IMPOSSIBLE = Decision("impossible", INF)


class CostModel:
    def __init__(self, run: SchemaView) -> None:
        self.run = run
        self.sg = run.sg
        self.memo: dict[tuple[Any, ...], float] = {}
        self.decisions: dict[tuple[Any, ...], Decision] = {}

    def decide(self, graph: str, type_name: str, field: NField, provided: dict[Any, Any] | None,
               requires_met: bool = False, depth: int = 0) -> Decision:
        memo_key = (graph, type_name, id(field), id(provided), requires_met)
        cached = self.decisions.get(memo_key)
        if cached is not None:
            return cached
        self.run.keep_alive(field, provided)
        self.decisions[memo_key] = IMPOSSIBLE  # cycle guard
        local = self.local(graph, type_name, field, provided, ignore_requires=requires_met, depth=depth)
        if local == 0:
            decision = Decision("local", 0.0)
        else:
            cost, target, base = self.jump(graph, type_name, field, provided, depth + 1)
            options = []
            if local < INF:
                options.append(Decision("local", local))
            if target is not None:
                options.append(Decision("jump", cost, target, base))
            if local == INF:
                split = self.split(graph, type_name, field, provided, depth)
                if split is not None:
                    options.append(split)
            # Cheapest wins; on a tie, local before jump before split (list order).
            decision = min(options, key=lambda d: d.cost) if options else IMPOSSIBLE
        self.decisions[memo_key] = decision
        return decision

    def split(self, graph: str, type_name: str, field: NField, provided: dict[Any, Any] | None,
              depth: int) -> Decision | None:
        if field.children is None or depth > MAX_DEPTH:
            return None
        fdef = self.sg.types[type_name].fields.get(field.name)
        if fdef is None:
            return None
        in_provided = provided is not None and field.name in provided
        if graph not in fdef.resolvable_in and not in_provided:
            return None
        if self.sg.types[fdef.type.name].is_abstract:
            # Asking two subgraphs for the same abstract field and keeping whichever object
            # type each returns would trust both to agree on the object: not a plan.
            return None
        possible = self.run.possible_at(graph, fdef)
        child_provided = self.run.child_provided(graph, fdef, provided, field)
        here: dict[str, list[str]] = {}
        there: dict[str, list[str]] = {}
        cost = 0.0
        for child_type, child_fields in field.children.items():
            if child_type not in possible:
                there[child_type] = list(child_fields)
                continue
            cp = child_provided.get(child_type) if child_provided else None
            for key, child in child_fields.items():
                if child.name.startswith("__"):
                    here.setdefault(child_type, []).append(key)
                    continue
                c = self.estimate(graph, child_type, {key: child}, cp, depth + 1)
                if c < INF:
                    here.setdefault(child_type, []).append(key)
                    cost += c
                else:
                    there.setdefault(child_type, []).append(key)
        if not any(there.values()) or not any(here.values()):
            return None
        local_part = self.run.restrict(field, here)
        remote_part = self.run.restrict(field, there)
        jump_cost, target, base = self.jump(graph, type_name, remote_part, provided, depth + 1)
        if target is None:
            return None
        return Decision("split", cost + jump_cost, target, base, local_part, remote_part)

    def local(self, graph: str, type_name: str, field: NField, provided: dict[Any, Any] | None,
              ignore_requires: bool = False, depth: int = 0) -> float:
        """Cost of resolving `field` inside the current fetch to `graph` (INF if it can't)."""
        fdef = self.sg.types[type_name].fields.get(field.name)
        if fdef is None:
            return INF
        in_provided = provided is not None and field.name in provided
        if graph not in fdef.resolvable_in and not in_provided:
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

    def estimate(self, graph: str, type_name: str, fields: dict[str, NField], provided: dict[Any, Any] | None,
                 depth: int = 0) -> float:
        memo_key = (graph, type_name, id(fields), id(provided))
        cached = self.memo.get(memo_key)
        if cached is not None:
            return cached
        if depth > MAX_DEPTH:
            return INF
        self.run.keep_alive(fields, provided)
        self.memo[memo_key] = INF  # cycle guard while computing
        cost = 0.0
        targets: dict[str, float] = {}
        for field in fields.values():
            if field.name.startswith("__"):
                continue
            decision = self.decide(graph, type_name, field, provided, depth=depth)
            if decision.kind == "impossible":
                cost = INF
                break
            if decision.kind == "local":
                cost += decision.cost
                continue
            # Fields going to the same subgraph share one fetch: count its base once.
            target = decision.target
            assert target is not None, decision  # "jump" and "split" always name their subgraph
            if target in targets:
                cost += decision.cost - decision.base
            else:
                targets[target] = decision.base
                cost += decision.cost
        self.memo[memo_key] = cost
        return cost

    def jump(self, graph: str, type_name: str, field: NField, provided: dict[Any, Any] | None,
             depth: int = 0) -> tuple[float, str | None, float]:
        """Cheapest entity jump from `graph` to a subgraph that resolves `field`: (cost, target, base)."""
        best: tuple[float, str | None, float] = (INF, None, INF)
        if depth > MAX_DEPTH:
            return best
        for target, key_cost, requires_cost, echo in self.run.jump_targets(graph, type_name, field, provided, depth):
            entity = self.run.entity_name(target, type_name, field.name)
            local = self.local(target, entity, field, echo, ignore_requires=True, depth=depth + 1)
            if local == INF:
                # The target may itself keep part and pass the rest on, but never jump on whole.
                there = self.decide(target, entity, field, echo, requires_met=True, depth=depth + 1)
                local = there.cost if there.kind == "split" else INF
            if local == INF:
                continue
            base = 1 + key_cost
            # Tie-breaker between equally long plans: move fewer fields through jumps.
            total = base + requires_cost + local + 0.001 * _size(field)
            if total < best[0]:
                best = (total, target, base)
        return best


def _size(field: NField) -> int:
    if field.children is None:
        return 1
    return 1 + sum(_size(c) for fields in field.children.values() for c in fields.values())
