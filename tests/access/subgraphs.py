"""Two strawberry subgraphs carrying the access directives (accounts and reviews)."""

from __future__ import annotations

import strawberry
from strawberry.federation.schema_directives import Authenticated, Policy, RequiresScopes

from services.toolkit.access import Access, AccessExtension, PrincipalKind
from services.toolkit.app import asgi_app
from services.toolkit.schema import Schema

# Declarative policies, as the config file writes them (gateway/access/policies.py).
POLICIES = {"staff": {"roles": ["staff"]},
            "self_or_admin": {"any_of": [{"roles": ["admin"]}, {"owner": True}]}}
# What "owner" means here: a User is owned by the viewer whose subject is its id.
OWNERS = {"User": "id"}


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    name: str
    email: str | None = strawberry.federation.field(default=None, directives=[Authenticated()])
    salary: int | None = strawberry.federation.field(default=None, directives=[RequiresScopes(scopes=[["hr:read"]])])
    grades: list[int] | None = strawberry.federation.field(default=None, directives=[Access(roles=["INSTRUCTOR"])])
    note: str | None = strawberry.federation.field(default=None, directives=[Policy(policies=[["staff"]])])
    phone: str | None = strawberry.federation.field(default=None, directives=[Policy(policies=[["self_or_admin"]])])

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return USERS[str(id)]


USERS = {"1": User(id="1", name="Ada", email="ada@x", salary=10, grades=[1, 2], note="n1", phone="111"),
         "2": User(id="2", name="Bob", email="bob@x", salary=20, grades=[3], note="n2", phone="222")}


@strawberry.type
class Query:
    @strawberry.field
    def users(self) -> list[User]:
        return list(USERS.values())

    @strawberry.field(directives=[Access(principals=[PrincipalKind.SERVER])])
    def server_stats(self) -> str | None:
        return "42 requests"


@strawberry.type
class Review:
    body: str
    moderator: str = strawberry.federation.field(directives=[Access(principals=[PrincipalKind.VIEWER],
                                                                    roles=["EDITOR"])])


@strawberry.federation.type(keys=["id"])
class ReviewedUser:
    id: strawberry.ID

    @strawberry.field
    def reviews(self) -> list[Review]:
        return [Review(body=f"review of {self.id}", moderator="mod")]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> ReviewedUser:
        return cls(id=id)


ReviewedUser.__strawberry_definition__.name = "User"


@strawberry.type
class ReviewsQuery:
    @strawberry.field
    def review_count(self) -> int:
        return 2


def accounts_schema() -> Schema:
    return Schema(query=Query, types=[User], extensions=[AccessExtension.with_policies(owners=OWNERS)])


def reviews_schema() -> Schema:
    return Schema(query=ReviewsQuery, types=[ReviewedUser], extensions=[AccessExtension.with_policies()])


def accounts_app(secrets: list[str]):
    return asgi_app(accounts_schema(), middleware=_identity(secrets, "accounts"))


def reviews_app(secrets: list[str]):
    return asgi_app(reviews_schema(), middleware=_identity(secrets, "reviews"))


def _identity(secrets: list[str], service: str):
    from starlette.middleware import Middleware

    from services.toolkit.identity import IdentityMiddleware

    return [Middleware(IdentityMiddleware, secrets=secrets, service=service)]
