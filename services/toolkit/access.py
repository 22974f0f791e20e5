"""Services enforce the gateway's access directives themselves (defense in depth).

`Access` is the bff `@access(principals: [Principal!], roles: [String!])` directive
(composed into the supergraph with @composeDirective, see gateway/access/README.md);
`AccessExtension` checks it and Federation's @authenticated / @requiresScopes /
@policy on every field a query resolves (the field's, its parent type's and its
return type's), against the principal `identity.IdentityMiddleware` verified.

@policy at a service: the gateway's verdicts travel in the signed identity ("bff:policies":
allowed; "bff:owner": allowed when the viewer owns the object). The service says what owning
means with `owners`: {"User": "id"} (the parent object's attribute naming its owner's user id)
or {"Mutation.enroll": "user_id"} (the field's argument). A policy neither forwarded nor given
as a local callable denies, as does an ownership the service cannot establish.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLError, get_named_type
from strawberry.extensions import SchemaExtension
from strawberry.federation.schema_directives import Authenticated, Policy, RequiresScopes
from strawberry.schema_directive import Location

from bff_common.access_evaluate import MESSAGES, Evaluator
from bff_common.access_rules import AccessRule, Requirement

from .identity import principal_of

ACCESS_URL = "https://specs.bff.dev/access/v0.1"


@strawberry.enum(name="Principal")
class PrincipalKind(Enum):
    VIEWER = "viewer"
    SERVER = "server"
    ANONYMOUS = "anonymous"


@strawberry.federation.schema_directive(locations=[Location.FIELD_DEFINITION, Location.OBJECT], name="access",
                                        compose=True, import_url=ACCESS_URL)
class Access:
    """Allowed when the caller's kind is one of `principals` (if given) and it holds one of `roles` (if given)."""

    principals: list[PrincipalKind] | None = strawberry.UNSET  # UNSET: not printed (composers refuse null)
    roles: list[str] | None = strawberry.UNSET


def requirement_of(directives: Any) -> Requirement:
    """The Requirement a strawberry definition's schema directives express."""
    req = Requirement()
    for d in directives or ():
        if isinstance(d, Authenticated):
            part = Requirement(authenticated=True)
        elif isinstance(d, RequiresScopes):
            part = Requirement(scopes=(tuple(frozenset(g) for g in d.scopes),))
        elif isinstance(d, Policy):
            part = Requirement(policies=(tuple(frozenset(g) for g in d.policies),))
        elif isinstance(d, Access):
            principals = frozenset(p.value for p in d.principals) if d.principals else None
            part = Requirement(access=(AccessRule(principals, frozenset(d.roles) if d.roles else None),))
        else:
            continue
        req = req.merge(part)
    return req


class AccessExtension(SchemaExtension):
    """Refuses fields the caller may not resolve: FORBIDDEN (or UNAUTHENTICATED for anonymous)."""

    policies: Mapping[str, Callable[[Any], bool]] = {}
    owners: Mapping[str, str] = {}

    def __init__(self, *, execution_context: Any = None) -> None:
        super().__init__(execution_context=execution_context)
        self._evaluator = Evaluator(self.policies)

    @classmethod
    def with_policies(cls, policies: Mapping[str, Callable[[Any], bool]] | None = None, *,
                      owners: Mapping[str, str] | None = None) -> type[AccessExtension]:
        """A subclass with local policy callables and the service's ownership declarations."""
        return type("AccessExtension", (cls,), {"policies": dict(policies or {}), "owners": dict(owners or {})})

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        req = _field_requirement(info.parent_type, info.field_name)
        if req:
            principal = principal_of(info)
            cache: dict[str, bool] = {}
            if req.policies:
                claims = getattr(principal, "claims", None) or {}
                owner = claims.get("bff:owner") or ()
                owned = bool(owner) and self._owns(principal, info, root, kwargs)
                cache.update({name: owned for name in owner})
                cache.update({name: True for name in claims.get("bff:policies") or ()})
            code = self._evaluator.decide(req, principal, cache)
            if code is not None:
                raise GraphQLError(MESSAGES[code].format(f"{info.parent_type.name}.{info.field_name}"),
                                   extensions={"code": code})
        return _next(root, info, *args, **kwargs)

    def _owns(self, principal: Any, info: Any, root: Any, kwargs: dict[str, Any]) -> bool:
        """Whether the viewer owns what this field is about, as the service declared it."""
        subject = getattr(principal, "subject", None)
        if getattr(principal, "kind", None) != "viewer" or not subject:
            return False
        argument = self.owners.get(f"{info.parent_type.name}.{info.field_name}")
        if argument is not None:
            value = kwargs.get(argument)
        else:
            attribute = self.owners.get(info.parent_type.name)
            value = getattr(root, attribute, None) if attribute is not None else None
        return value is not None and str(value) == subject


_CACHE: dict[tuple[int, str], Requirement] = {}


def _field_requirement(parent: Any, name: str) -> Requirement:
    key = (id(parent), name)
    found = _CACHE.get(key)
    if found is None:
        field = parent.fields.get(name)
        found = Requirement()
        if field is not None and not name.startswith("_"):
            found = requirement_of(getattr(field.extensions.get("strawberry-definition"), "directives", ()))
            found = found.merge(_type_requirement(parent))
            found = found.merge(_type_requirement(get_named_type(field.type)))
        _CACHE[key] = found
    return found


def _type_requirement(graphql_type: Any) -> Requirement:
    definition = (getattr(graphql_type, "extensions", None) or {}).get("strawberry-definition")
    return requirement_of(getattr(definition, "directives", ()))
