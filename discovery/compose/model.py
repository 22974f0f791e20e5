"""One subgraph's schema after parsing and normalization: federation directives are
read into flags so the merge never looks at directive names (which @link may rename)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OBJECT, INTERFACE, UNION, ENUM, INPUT, SCALAR = "object", "interface", "union", "enum", "input", "scalar"


@dataclass
class Applied:
    """A directive application kept verbatim in the supergraph (@tag, @deprecated, composed ones)."""

    name: str
    args: str  # printed argument list, "" or "(name: \"x\")"

    def print(self) -> str:
        return f"@{self.name}{self.args}"


@dataclass
class Argument:
    name: str
    type: str
    default: str | None = None  # printed default value
    description: str | None = None
    inaccessible: bool = False
    applied: list[Applied] = field(default_factory=list)


@dataclass
class Field:
    name: str
    type: str
    args: dict[str, Argument] = field(default_factory=dict)
    description: str | None = None
    shareable: bool = False
    external: bool = False
    requires: str | None = None
    provides: str | None = None
    override: str | None = None
    override_label: str | None = None
    inaccessible: bool = False
    default: str | None = None  # input fields only
    applied: list[Applied] = field(default_factory=list)
    # Set by analysis: a key field, or an external field some @provides/@requires/@key uses.
    in_key: bool = False
    provided: bool = False
    used: bool = False


@dataclass
class Key:
    fields: str
    resolvable: bool = True
    extension: bool = False  # declared on a type extension / @extends type


@dataclass
class EnumValue:
    name: str
    description: str | None = None
    inaccessible: bool = False
    applied: list[Applied] = field(default_factory=list)


@dataclass
class Type:
    name: str
    kind: str
    description: str | None = None
    fields: dict[str, Field] = field(default_factory=dict)  # object/interface/input fields
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: dict[str, EnumValue] = field(default_factory=dict)
    keys: list[Key] = field(default_factory=list)
    extension: bool = False  # only ever defined by `extend type` / @extends here
    shareable: bool = False
    inaccessible: bool = False
    interface_object: bool = False
    applied: list[Applied] = field(default_factory=list)


@dataclass
class Subgraph:
    name: str
    url: str
    graph: str = ""  # join__Graph enum value
    fed2: bool = True
    types: dict[str, Type] = field(default_factory=dict)
    lookups: tuple[Any, ...] = ()
    # Custom directives brought in by @composeDirective: local name -> (definition SDL, link url or None)
    composed: dict[str, tuple[str, str | None]] = field(default_factory=dict)
