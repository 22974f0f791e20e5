"""The access requirements of each type and field, read from the supergraph document.

`read_supergraph` ignores these directives; this module finds them by the names
the supergraph's @link declarations give them (default names, `as:` prefixes and
`import:` renames).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql.language import (
    DocumentNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
)

SPECS = {"authenticated": "https://specs.apollo.dev/authenticated/",
         "requiresScopes": "https://specs.apollo.dev/requiresScopes/",
         "policy": "https://specs.apollo.dev/policy/",
         "access": "https://specs.bff.dev/access/"}

Groups = tuple[frozenset[str], ...]  # OR of AND-groups


@dataclass(frozen=True, slots=True)
class AccessRule:
    """One @access: the principal's kind must be one of `principals` (when given) and it
    must hold one of `roles` (when given)."""

    principals: frozenset[str] | None = None  # "viewer" | "server" | "anonymous"
    roles: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Requirement:
    """Everything a field needs; each tuple entry is one directive application, all must pass."""

    authenticated: bool = False
    scopes: tuple[Groups, ...] = ()
    policies: tuple[Groups, ...] = ()
    access: tuple[AccessRule, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.authenticated or self.scopes or self.policies or self.access)

    def merge(self, other: Requirement) -> Requirement:
        if not other:
            return self
        if not self:
            return other
        return Requirement(self.authenticated or other.authenticated,
                           _union(self.scopes, other.scopes), _union(self.policies, other.policies),
                           _union(self.access, other.access))


NONE = Requirement()


@dataclass(slots=True)
class AccessRules:
    """Requirements per type name and per (type, field)."""

    types: dict[str, Requirement]
    fields: dict[tuple[str, str], Requirement]

    def __bool__(self) -> bool:
        return bool(self.types or self.fields)

    def of_field(self, parent: str, field: str, returns: str | None) -> Requirement:
        """The field's own requirement plus its parent type's and its return type's."""
        req = self.fields.get((parent, field), NONE).merge(self.types.get(parent, NONE))
        return req.merge(self.types.get(returns, NONE)) if returns else req


def read_rules(document: DocumentNode) -> AccessRules:
    names = _directive_names(document)
    if not names:
        return AccessRules({}, {})
    types: dict[str, Requirement] = {}
    fields: dict[tuple[str, str], Requirement] = {}
    for node in document.definitions:
        if not isinstance(node, (ObjectTypeDefinitionNode, ObjectTypeExtensionNode, InterfaceTypeDefinitionNode)):
            continue
        own = _requirement(node.directives, names)
        if own:
            types[node.name.value] = types.get(node.name.value, NONE).merge(own)
        for f in node.fields or ():
            req = _requirement(f.directives, names)
            if req:
                fields[(node.name.value, f.name.value)] = req
    return AccessRules(types, fields)


def _directive_names(document: DocumentNode) -> dict[str, str]:
    """Local directive name -> spec key, from the schema's @link applications (as:, import renames)."""
    from bff_common.link import read_links

    links = read_links(document)
    names: dict[str, str] = {}
    for key, url in SPECS.items():
        feature = links.get(url.rstrip("/"))
        if feature is not None:
            names[feature.directive_name(key)] = key
    return names


def _requirement(directives: Any, names: dict[str, str]) -> Requirement:
    authenticated = False
    scopes: list[Groups] = []
    policies: list[Groups] = []
    access: list[AccessRule] = []
    for d in directives or ():
        key = names.get(d.name.value)
        if key is None:
            continue
        args = {a.name.value: a.value for a in d.arguments or ()}
        if key == "authenticated":
            authenticated = True
        elif key == "requiresScopes":
            scopes.append(_groups(args.get("scopes")))
        elif key == "policy":
            policies.append(_groups(args.get("policies")))
        else:
            principals = _names(args.get("principals"))
            roles = _names(args.get("roles"))
            access.append(AccessRule(frozenset(p.lower() for p in principals) if principals is not None else None,
                                     roles))
    return Requirement(authenticated, tuple(scopes), tuple(policies), tuple(access))


def _groups(value: Any) -> Groups:
    return tuple(frozenset(getattr(v, "value", "") for v in getattr(g, "values", ()))
                 for g in getattr(value, "values", ()) or ())


def _names(value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    if hasattr(value, "values"):
        return frozenset(getattr(v, "value", "") for v in value.values)
    return frozenset({value.value}) if hasattr(value, "value") else None


def _union(a: tuple[Any, ...], b: tuple[Any, ...]) -> tuple[Any, ...]:
    return a + tuple(x for x in b if x not in a)
