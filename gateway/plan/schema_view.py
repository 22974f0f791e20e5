"""What the cost model may ask of a planning run: the supergraph and its per-run views.

`cost.CostModel` prices moves; `planner.PlanningRun` makes them and owns the memo
tables. The cost model needs only the questions below, so it depends on this
protocol and not on the planner (which imports the cost model): no import circle.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from ..operation.selection import NField, Selection
from ..supergraph.model import FieldDef, Supergraph


class SchemaView(Protocol):
    """The supergraph as one planning run sees it (`PlanningRun` implements it)."""

    sg: Supergraph

    def keep_alive(self, *objects: Any) -> None:
        """Memo tables key on id(): keep those objects alive for the run."""

    def restrict(self, field: NField, keys: dict[str, list[str]]) -> NField:
        """`field` with only some of its subfields (the same object for the same request)."""

    def possible_at(self, graph: str, fdef: FieldDef) -> list[str]:
        """Concrete types `graph` can return for a field."""

    def child_provided(self, graph: str, fdef: FieldDef, provided: dict[str, Any] | None,
                       field: NField) -> Selection | None:
        """What `@provides` (or the key echoed by an entity fetch) makes available below `field`."""

    def entity_name(self, graph: str, type_name: str, field_name: str) -> str:
        """The type an entity fetch to `graph` asks for (the type or its @interfaceObject)."""

    def jump_targets(self, graph: str, type_name: str, field: NField, provided: dict[str, Any] | None,
                     depth: int) -> Iterator[tuple[str, float, float, dict[str, Any] | None]]:
        """Subgraphs an entity jump could go to for `field`: (graph, key cost, requires cost, echoed key)."""
