"""The public value types of composition: inputs, errors and the result."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Lookup:
    """How a plain GraphQL service fetches one object by key, declared by the caller
    because the service has no `_entities`: e.g. `Lookup("User", "userById", {"id": "id"})`
    means `Query.userById(id: <User.id>)` returns the `User`. `arguments` maps each
    argument name to the key field (a field set) whose value it takes."""

    type_name: str
    field: str
    arguments: dict[str, str] = dataclasses.field(default_factory=dict)  # (`field` is the field's name here)

    def __hash__(self) -> int:
        return hash((self.type_name, self.field, tuple(sorted(self.arguments.items()))))


@dataclass(frozen=True)
class SubgraphInput:
    """One service to compose: its name (unique, an identifier), URL and SDL."""

    name: str
    url: str
    sdl: str
    lookups: tuple[Lookup, ...] = ()


@dataclass(frozen=True)
class CompositionError:
    """Why the subgraphs don't compose; `coordinate` is a schema coordinate ("User.name")."""

    code: str
    message: str
    subgraphs: tuple[str, ...] = ()
    coordinate: str | None = None

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


@dataclass(frozen=True)
class CompositionResult:
    """The supergraph SDL, or None with the errors that prevented it."""

    supergraph: str | None
    errors: tuple[CompositionError, ...] = ()

    @property
    def ok(self) -> bool:
        return self.supergraph is not None and not self.errors
