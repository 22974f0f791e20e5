"""accounts subgraph: the owner of `User`.

`User.name` is @shareable because reviews keeps a copy of author names and
@provides it; Federation v2 requires every subgraph that resolves a field to
agree it may be shared.

Access (docs/access.md): names and roles are public; `email` only for its owner
(or an admin: @policy self_or_admin); `me` is the signed caller (@authenticated);
`userByEmail` is for servers only (a backend looking a user up, never a browser).
"""

from __future__ import annotations

import strawberry
from strawberry.federation.schema_directives import Authenticated, Policy
from strawberry.types import Info

from services.toolkit import Schema
from services.toolkit.access import Access, AccessExtension, PrincipalKind
from services.toolkit.identity import principal_of
from services.toolkit.tags import INTERNAL, MOBILE, tags

from . import data


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID = strawberry.federation.field(directives=tags(MOBILE))
    name: str = strawberry.federation.field(shareable=True, directives=tags(MOBILE))
    # Nullable: decided per object (owner), a denial must not null the whole user.
    email: str | None = strawberry.federation.field(directives=[Policy(policies=[["self_or_admin"]]), *tags(MOBILE)])
    roles: list[str]  # web only (the admin screens)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User | None:
        return _user(id)


def _user(user_id: str) -> User | None:
    record = data.USERS.get(user_id)
    if record is None:
        return None
    return User(id=strawberry.ID(record.id), name=record.name, email=record.email, roles=list(record.roles))


@strawberry.type
class Query:
    @strawberry.field(description="The caller, from the verified token (the gateway's signed identity).",
                      directives=[Authenticated(), *tags(MOBILE)])
    def me(self, info: Info) -> User | None:
        principal = principal_of(info)
        return _user(principal.subject) if principal.kind == "viewer" and principal.subject else None

    @strawberry.field
    def user(self, id: strawberry.ID) -> User | None:
        return _user(id)

    @strawberry.field
    def users(self) -> list[User]:
        return [user for user_id in data.USERS if (user := _user(user_id)) is not None]

    @strawberry.field(description="Server-to-server lookup (e.g. a mailing job); not for viewers.",
                      directives=[Access(principals=[PrincipalKind.SERVER]), *tags(INTERNAL)])
    def user_by_email(self, email: str) -> User | None:
        return next((u for r in data.USERS.values() if r.email == email and (u := _user(r.id)) is not None), None)


# A User is owned by the viewer whose subject is its id.
schema = Schema(query=Query, extensions=[AccessExtension.with_policies(owners={"User": "id"})])
