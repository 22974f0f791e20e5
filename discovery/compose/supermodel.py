"""The merged supergraph before printing: types with their `@join__*` records."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Applied, Argument

# A supergraph argument carries exactly what a subgraph argument does.
SArgument = Argument


@dataclass
class JoinType:
    graph: str
    key: str | None = None
    extension: bool = False
    resolvable: bool = True
    interface_object: bool = False


@dataclass
class JoinField:
    graph: str | None
    type: str | None = None
    external: bool = False
    requires: str | None = None
    provides: str | None = None
    override: str | None = None
    override_label: str | None = None
    used_overridden: bool = False


@dataclass
class SField:
    name: str
    type: str
    description: str | None = None
    args: dict[str, SArgument] = field(default_factory=dict)
    default: str | None = None
    joins: list[JoinField] | None = None  # None: no @join__field (resolvable wherever the type is)
    inaccessible: bool = False
    applied: list[Applied] = field(default_factory=list)


@dataclass
class SEnumValue:
    name: str
    graphs: list[str] = field(default_factory=list)
    description: str | None = None
    inaccessible: bool = False
    applied: list[Applied] = field(default_factory=list)


@dataclass
class SType:
    name: str
    kind: str
    description: str | None = None
    join_types: list[JoinType] = field(default_factory=list)
    fields: dict[str, SField] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    implements: list[tuple[str, str]] = field(default_factory=list)  # (graph, interface)
    members: list[str] = field(default_factory=list)
    union_members: list[tuple[str, str]] = field(default_factory=list)  # (graph, member)
    values: dict[str, SEnumValue] = field(default_factory=dict)
    inaccessible: bool = False
    applied: list[Applied] = field(default_factory=list)
    lookups: list[tuple[str, str, str]] = field(default_factory=list)  # (graph, field, arguments JSON)


@dataclass
class Supergraph:
    graphs: list[tuple[str, str, str]]  # (enum value, name, url)
    types: dict[str, SType] = field(default_factory=dict)
    composed: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # directive -> (definition, link)
    uses_override_label: bool = False
