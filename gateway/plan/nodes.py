"""Plans are data: fetches with their dependencies, printable as the familiar
Sequence / Parallel / Flatten / Fetch tree.

The executor runs the fetch DAG directly (each fetch waits only for the fetches
it depends on); the tree is the human-readable view of the same plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..operation.selection import Selection

# A path into the response data: response keys, with "@" for "each item of a list".
Path = tuple[str, ...]


@dataclass(slots=True)
class EntityInput:
    """Where an entity fetch finds its objects, and how to build their representations."""

    path: Path
    # The runtime `__typename`s of objects taken at `path`.
    type_names: frozenset[str]
    # The `__typename` sent in the representation (the interface's name for @interfaceObject).
    entity_name: str
    # Fields copied from the object into the representation (key fields and @requires fields).
    requires: Selection
    # The type whose fragment in the fetch's selection answers this input.
    selection_type: str


@dataclass(slots=True)
class LookupSpec:
    """An entity fetch to a service without `_entities`: one aliased lookup field per object,
    `_0: userById(id: "1") { ... }`, built per request from the representations."""

    field: str
    arguments: dict[str, str]  # argument -> key field of the representation
    header: str  # "query Name(...vars)" without the selection
    selection: str  # the selection on the looked-up type, printed once


@dataclass(slots=True)
class FetchNode:
    id: int
    service: str  # subgraph name
    graph: str  # join__Graph id
    operation: str  # the document sent to the subgraph
    operation_kind: str  # "query" | "mutation"
    variable_names: tuple[str, ...]
    depends_on: frozenset[int] = frozenset()
    # None for a root fetch; one entry per merged input for an `_entities` fetch.
    inputs: tuple[EntityInput, ...] | None = None
    # Objects returned as @interfaceObject keep the __typename they already had.
    keep_typename: bool = False
    # Internal aliases to undo in the response, deepest first: (path, typename, alias, response key).
    renames: tuple[tuple[tuple[str, ...], str, str, str], ...] = ()
    # Set when the objects are fetched through a lookup field instead of `_entities`.
    lookup: LookupSpec | None = None
    # Root fetches: the client's root response keys this fetch fills (where its errors point when it fails).
    fills: tuple[str, ...] = ()


@dataclass(slots=True)
class QueryPlan:
    operation_kind: str
    fetches: list[FetchNode] = field(default_factory=list)
    # Root fields answered by the gateway itself (introspection), response keys.
    local_fields: tuple[str, ...] = ()

    def levels(self) -> list[list[FetchNode]]:
        """Fetches grouped by dependency depth: the steps of the plan."""
        by_id = {f.id: f for f in self.fetches}
        depth: dict[int, int] = {}

        def level(node: FetchNode) -> int:
            if node.id not in depth:
                depth[node.id] = 1 + max((level(by_id[d]) for d in node.depends_on), default=-1)
            return depth[node.id]

        steps: dict[int, list[FetchNode]] = {}
        for f in self.fetches:
            steps.setdefault(level(f), []).append(f)
        return [steps[k] for k in sorted(steps)]
