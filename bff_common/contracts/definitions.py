"""Contract definitions: what each contract shows (tags) and which requests get it.

One shape for both places a definition lives: the `contracts` section of
bff.yaml and the registry (stored with every graph version as JSON). The checks
here need no schema (names, tag overlap, two contracts claiming one client,
claim value or path); the schema-dependent ones (a contract left with no root
fields, tags nobody carries) are in `bff_common.contracts.schemas`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ContractDefinition", "Contracts", "DEFAULT_API", "DEFAULT_REFUSE", "definitions_from_json",
           "definitions_to_json", "parse_definition", "parse_contracts"]

# Requests that match no contract get the full API schema ("api") or are refused ("refuse"),
# unless the default names a contract.
DEFAULT_API = "api"
DEFAULT_REFUSE = "refuse"
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,127}$")
_RESERVED_PATHS = ("/graphql", "/health", "/metrics", "/favicon.ico")


@dataclass(frozen=True, slots=True)
class ContractDefinition:
    """A named view of the graph (`include` / `exclude` @tag names, Apollo's semantics) and who gets it."""

    name: str
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    # apollographql-client-name values that get this contract.
    clients: tuple[str, ...] = ()
    # Token claim -> values (e.g. {"azp": ("mobile-app",)}). A contract with claims is bound to them:
    # a request naming it by client header or path must carry a token with one of these values.
    claims: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Request paths that serve this contract (e.g. "/graphql/mobile").
    paths: tuple[str, ...] = ()

    @property
    def bound_to_claims(self) -> bool:
        return bool(self.claims)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "include": list(self.include), "exclude": list(self.exclude)}
        if self.clients:
            data["clients"] = list(self.clients)
        if self.claims:
            data["claims"] = {claim: list(values) for claim, values in self.claims}
        if self.paths:
            data["paths"] = list(self.paths)
        return data

    def filter(self) -> Any:
        """The tag filter (bff_common.contracts.filter.Contract) this definition describes."""
        from .filter import Contract

        return Contract(self.name, frozenset(self.include), frozenset(self.exclude))


@dataclass(frozen=True, slots=True)
class Contracts:
    """Every contract one gateway serves, and what requests matching none of them get."""

    definitions: tuple[ContractDefinition, ...] = ()
    default: str = DEFAULT_API  # "api", "refuse" or a contract's name

    def __bool__(self) -> bool:
        return bool(self.definitions)

    def get(self, name: str) -> ContractDefinition | None:
        return next((d for d in self.definitions if d.name == name), None)

    def names(self) -> list[str]:
        return [d.name for d in self.definitions]


def parse_definition(name: str, raw: Mapping[str, Any], where: str = "") -> tuple[ContractDefinition | None, list[str]]:
    """One definition from its JSON/YAML form ({include, exclude, clients, claims, paths}); problems name
    `where` (a key path such as "contracts.definitions.mobile") and the contract. The definition is None
    only when `raw` is not a mapping; use it only when there are no problems."""
    where = where or f"contracts.{name}"
    problems: list[str] = []
    if not isinstance(name, str) or not _NAME.match(name):
        problems.append(f'{where}: contract name {name!r} must start with a letter and hold only letters, digits, '
                        f'"_" and "-" (at most 64)')
    elif name in (DEFAULT_API, DEFAULT_REFUSE):
        problems.append(f'{where}: "{name}" is reserved (it names a default), choose another contract name')
    if not isinstance(raw, Mapping):
        return None, problems + [f"{where}: expected a mapping with include, exclude, clients, claims, paths"]
    known = {"name", "include", "exclude", "clients", "claims", "paths"}
    for key in raw:
        if key not in known:
            problems.append(f"{where}.{key}: unknown key (known: {', '.join(sorted(known - {'name'}))})")

    def strings(key: str, pattern: re.Pattern[str] | None = None, what: str = "") -> tuple[str, ...]:
        value = raw.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            problems.append(f"{where}.{key}: expected a list of strings, got {type(value).__name__}")
            return ()
        out: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                problems.append(f"{where}.{key}[{i}]: expected a non-empty string, got {item!r}")
            elif pattern is not None and not pattern.match(item):
                problems.append(f"{where}.{key}[{i}]: {item!r} is not a valid {what}")
            elif item not in out:
                out.append(item)
        return tuple(out)

    include = strings("include", _TAG, "tag name")
    exclude = strings("exclude", _TAG, "tag name")
    overlap = sorted(set(include) & set(exclude))
    if overlap:
        problems.append(f'{where}: contract "{name}" both includes and excludes the tag(s) '
                        f'{", ".join(overlap)}; a tag may be in one list only')
    clients = strings("clients")
    paths = strings("paths")
    for i, path in enumerate(paths):
        if not path.startswith("/") or path.rstrip("/") in _RESERVED_PATHS or path.startswith("/ide/") \
                or any(c in path for c in "?#* "):
            problems.append(f'{where}.paths[{i}]: {path!r} cannot serve contract "{name}": use a path of its own '
                            'such as /graphql/' + (name if isinstance(name, str) else "NAME"))
    claims: list[tuple[str, tuple[str, ...]]] = []
    raw_claims = raw.get("claims") or {}
    if not isinstance(raw_claims, Mapping):
        problems.append(f"{where}.claims: expected a mapping of claim name -> values, got {type(raw_claims).__name__}")
    else:
        for claim, values in raw_claims.items():
            if isinstance(values, str):
                values = [values]
            if not isinstance(claim, str) or not claim or not isinstance(values, list) or not values or not all(
                    isinstance(v, str) and v for v in values):
                problems.append(f"{where}.claims.{claim}: expected a claim name with a non-empty list of strings")
                continue
            claims.append((claim, tuple(dict.fromkeys(values))))
    # Built even with problems, so the checks across contracts (a client in two) still see it; callers
    # use a definition only when the problems are empty.
    return ContractDefinition(str(name), include, exclude, clients, tuple(sorted(claims)), paths), problems


def parse_contracts(definitions: Mapping[str, Any] | Iterable[Mapping[str, Any]], default: str = DEFAULT_API,
                    where: str = "contracts", default_where: str | None = None) -> tuple[Contracts, list[str]]:
    """Every definition (a mapping name -> definition, or a list of definitions with `name`), checked
    together: a client name, claim value or path claimed by two contracts is refused naming both."""
    problems: list[str] = []
    parsed: list[ContractDefinition] = []
    if isinstance(definitions, Mapping):
        items = [(name, raw, f"{where}.{name}") for name, raw in definitions.items()]
    else:
        items = []
        for i, raw in enumerate(definitions):
            name = raw.get("name") if isinstance(raw, Mapping) else None
            items.append((name, raw, f"{where}[{i}]"))
    seen: set[str] = set()
    for name, raw, path in items:
        if name in seen:
            problems.append(f'{path}: contract "{name}" is defined twice')
            continue
        seen.add(name)
        definition, found = parse_definition(name, raw, path)
        problems += found
        if definition is not None:
            parsed.append(definition)
    problems += _overlaps(parsed, where)
    if default not in (DEFAULT_API, DEFAULT_REFUSE) and default not in {d.name for d in parsed}:
        key = default_where or f"{where}.default"
        problems.append(f'{key}: {default!r} is neither "api" (the full API schema), "refuse" nor a '
                        f'defined contract ({", ".join(sorted(seen)) or "none defined"})')
    return Contracts(tuple(sorted(parsed, key=lambda d: d.name)), default), problems


def _overlaps(definitions: list[ContractDefinition], where: str) -> list[str]:
    problems: list[str] = []
    owners: dict[tuple[str, str], str] = {}
    for d in definitions:
        keys = [("client name", c) for c in d.clients] + [("path", p.rstrip("/")) for p in d.paths]
        keys += [(f"claim {claim} =", v) for claim, values in d.claims for v in values]
        for key in keys:
            other = owners.setdefault(key, d.name)
            if other != d.name:
                problems.append(f'{where}: the {key[0]} "{key[1]}" matches two contracts, "{other}" and "{d.name}"; '
                                'a request must select one contract')
    return problems


def definitions_to_json(definitions: Iterable[ContractDefinition]) -> str | None:
    """The registry's stored form: a JSON list sorted by name; None when there are none."""
    items = sorted(definitions, key=lambda d: d.name)
    return json.dumps([d.to_json() for d in items], separators=(",", ":"), sort_keys=True) if items else None


def definitions_from_json(text: str | None) -> tuple[ContractDefinition, ...]:
    """What `definitions_to_json` wrote (checked when written, so read without complaint)."""
    if not text:
        return ()
    contracts, problems = parse_contracts(json.loads(text), where="registry contracts")
    if problems:
        raise ValueError("; ".join(problems))
    return contracts.definitions

