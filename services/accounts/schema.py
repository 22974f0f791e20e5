"""accounts subgraph: the owner of `User`.

`User.name` is @shareable because reviews keeps a copy of author names and
@provides it; Federation v2 requires every subgraph that resolves a field to
agree it may be shared.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from services.toolkit import Schema

from . import data


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    name: str = strawberry.federation.field(shareable=True)
    email: str
    roles: list[str]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> "User | None":
        return _user(id)


def _user(user_id: str) -> User | None:
    record = data.USERS.get(user_id)
    if record is None:
        return None
    return User(id=strawberry.ID(record.id), name=record.name, email=record.email, roles=list(record.roles))


@strawberry.type
class Query:
    @strawberry.field(description="The caller: the user named by the x-user-id header, else the demo user.")
    def me(self, info: Info) -> User | None:
        request = info.context["request"]
        return _user(request.headers.get("x-user-id", data.DEMO_USER_ID))

    @strawberry.field
    def user(self, id: strawberry.ID) -> User | None:
        return _user(id)

    @strawberry.field
    def users(self) -> list[User]:
        return [user for user_id in data.USERS if (user := _user(user_id)) is not None]


schema = Schema(query=Query)
