"""@provides and @external: a provided field is read from the providing subgraph
(no jump), a field that is not provided makes the jump, and an @external field
outside a provides path is fetched from its owner.

accounts (strawberry): User @key(id) { id username name }, me
reviews (Node): Review.author @provides("username"), User { username @external, reviews }
The usernames reviews knows are marked "(cached)", so answers show where they came from.
"""

from __future__ import annotations

import strawberry

from .harness import Case, NodeSubgraph, PySubgraph, Scenario, strawberry_app

USERS = {"u1": ("ada", "Ada Lovelace"), "u2": ("grace", "Grace Hopper")}


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID

    @strawberry.field
    def username(self) -> str | None:
        return USERS[self.id][0]

    @strawberry.field
    def name(self) -> str:
        return USERS[self.id][1]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return cls(id=id)


@strawberry.type
class Query:
    @strawberry.field
    def me(self) -> User:
        return User(id="u1")


SCENARIO = Scenario(
    "provides",
    [
        PySubgraph("accounts", lambda: strawberry_app(query=Query, types=[User])),
        NodeSubgraph("reviews", "provides_reviews.mjs"),
    ],
)

CASES = [
    Case(
        "provided_field_no_jump",
        "{ latestReviews { body author { id username } } }",
        {"data": {"latestReviews": [
            {"body": "Great", "author": {"id": "u1", "username": "ada (cached)"}},
            {"body": "Meh", "author": {"id": "u2", "username": "grace (cached)"}},
            {"body": "Fine", "author": {"id": "u1", "username": "ada (cached)"}},
        ]}},
        requests={"reviews": 1},
    ),
    Case(
        "not_provided_field_jumps_to_owner",
        "{ latestReviews { body author { username name } } }",
        {"data": {"latestReviews": [
            {"body": "Great", "author": {"username": "ada (cached)", "name": "Ada Lovelace"}},
            {"body": "Meh", "author": {"username": "grace (cached)", "name": "Grace Hopper"}},
            {"body": "Fine", "author": {"username": "ada (cached)", "name": "Ada Lovelace"}},
        ]}},
        requests={"reviews": 1, "accounts": 1},
    ),
    Case(
        "external_outside_provides_path_comes_from_owner",
        "{ me { username reviews { body author { username } } } }",
        {"data": {"me": {"username": "ada", "reviews": [
            {"body": "Great", "author": {"username": "ada (cached)"}},
            {"body": "Fine", "author": {"username": "ada (cached)"}},
        ]}}},
        requests={"accounts": 1, "reviews": 1},
    ),
]


async def test_gateway(case, env):
    await env.check_ours(case)


async def test_apollo_reference(case, env):
    await env.check_apollo(case)


async def test_differential(case, env):
    await env.differential(case)


def test_plan_provides_single_fetch(env):
    plan = env.explain("{ latestReviews { body author { username } } }")
    assert '"reviews"' in plan and '"accounts"' not in plan, plan
