"""The supergraph as the planner sees it: which subgraph can resolve what.

Built once per supergraph by `reader.read_supergraph`. Graph ids are the
`join__Graph` enum values (e.g. "ACCOUNTS"); `Subgraph.name` is the service
name people know (the `name:` of `@join__graph`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OBJECT, INTERFACE, UNION, ENUM, SCALAR, INPUT = "object", "interface", "union", "enum", "scalar", "input"


@dataclass(slots=True)
class Subgraph:
    id: str
    name: str
    url: str


# A field set (`@key(fields:)`, `@requires`, `@provides`) parsed as a graphql
# SelectionSetNode; the planner normalizes it like a client selection.
FieldSet = Any


@dataclass(slots=True)
class Key:
    fields: FieldSet
    text: str
    resolvable: bool = True


@dataclass(slots=True)
class TypeInGraph:
    """`@join__type` of a type for one subgraph."""

    graph: str
    keys: list[Key] = field(default_factory=list)
    extension: bool = False
    is_interface_object: bool = False


@dataclass(slots=True)
class FieldInGraph:
    """`@join__field` of a field for one subgraph."""

    graph: str | None
    requires: FieldSet | None = None
    provides: FieldSet | None = None
    external: bool = False
    override: str | None = None
    used_overridden: bool = False
    type: str | None = None  # the field's type in that subgraph, when it differs


@dataclass(slots=True)
class TypeRef:
    """A field's type: the named type plus its wrappers."""

    name: str
    non_null: bool
    # Wrappers outermost first, e.g. [String!]! -> "[", with `list_depth` 1.
    list_depth: int
    text: str


@dataclass(slots=True)
class FieldDef:
    name: str
    type: TypeRef
    parent: str
    arguments: dict[str, str]  # argument name -> type text
    # None when the field has no @join__field: it is resolvable wherever its type lives.
    joins: list[FieldInGraph] | None = None
    resolvable_in: frozenset[str] = frozenset()
    # graph -> FieldInGraph for quick lookups (requires/provides/external).
    by_graph: dict[str, FieldInGraph] = field(default_factory=dict)

    def type_text_in(self, graph: str) -> str:
        """The field's type as that subgraph declares it (`@join__field(type:)` when it differs)."""
        join = self.by_graph.get(graph)
        return join.type if join is not None and join.type else self.type.text

    def type_name_in(self, graph: str) -> str:
        return self.type_text_in(graph).strip("[]!")


@dataclass(slots=True)
class TypeDef:
    name: str
    kind: str
    fields: dict[str, FieldDef] = field(default_factory=dict)
    graphs: dict[str, TypeInGraph] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    # graph -> interfaces this type implements in that graph (`@join__implements`).
    implements_in: dict[str, set[str]] = field(default_factory=dict)
    # union members: all, and per graph (`@join__unionMember`).
    members: list[str] = field(default_factory=list)
    members_in: dict[str, set[str]] = field(default_factory=dict)
    enum_values: list[str] = field(default_factory=list)
    # graph -> (root query field, {argument: key field}) for plain GraphQL services that have
    # no `_entities`: the object is fetched through that lookup field (`@bff__lookup`).
    lookups: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)

    @property
    def is_abstract(self) -> bool:
        return self.kind in (INTERFACE, UNION)

    @property
    def is_composite(self) -> bool:
        return self.kind in (OBJECT, INTERFACE, UNION)


@dataclass(slots=True)
class Supergraph:
    subgraphs: dict[str, Subgraph]
    types: dict[str, TypeDef]
    query_type: str = "Query"
    mutation_type: str | None = None
    subscription_type: str | None = None
    # abstract type -> concrete object types (supergraph-wide)
    possible_types: dict[str, list[str]] = field(default_factory=dict)

    def root_type(self, operation: str) -> str | None:
        return {"query": self.query_type, "mutation": self.mutation_type,
                "subscription": self.subscription_type}[operation]

    def possible_in_graph(self, abstract: str, graph: str) -> list[str]:
        """Concrete types a subgraph may return at a position of type `abstract`."""
        t = self.types[abstract]
        if t.kind == OBJECT:
            return [abstract]
        if t.kind == UNION:
            members = t.members_in.get(graph)
            if members is None:
                return [m for m in t.members if graph in self.types[m].graphs]
            return [m for m in t.members if m in members]
        result = []
        for name in self.possible_types.get(abstract, ()):
            obj = self.types[name]
            impl = obj.implements_in.get(graph)
            if impl is None:
                if graph in obj.graphs and abstract in obj.interfaces and not obj.implements_in:
                    result.append(name)
            elif abstract in impl:
                result.append(name)
        return result
