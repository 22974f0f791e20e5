"""Federation 1 subgraphs (`extend type X @key`, @extends, @external key fields,
implicit shareability) composed with a Federation 2 one.

accounts (strawberry, Fed 2): User @key(id) { id name username }, users
reviews (Node, Fed 1): Review @key(id), extend type User/Product, extend type Query
products (Node, Fed 1): Product @key(upc), User @extends { purchases }
"""

from __future__ import annotations

import strawberry

from .harness import Case, NodeSubgraph, PySubgraph, Scenario, strawberry_app

USERS = {"u1": ("Ada Lovelace", "@ada"), "u2": ("Alan Turing", "@complete")}


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID

    @strawberry.field
    def name(self) -> str:
        return USERS[self.id][0]

    @strawberry.field
    def username(self) -> str:
        return USERS[self.id][1]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return cls(id=id)


@strawberry.type
class Query:
    @strawberry.field
    def users(self) -> list[User]:
        return [User(id=i) for i in USERS]


SCENARIO = Scenario(
    "fed1",
    [
        PySubgraph("accounts", lambda: strawberry_app(query=Query, types=[User])),
        NodeSubgraph("reviews", "fed1_reviews.mjs"),
        NodeSubgraph("products", "fed1_products.mjs"),
    ],
)

CASES = [
    Case(
        "fed1_chain_products_reviews_accounts",
        "{ topProducts { name reviews { body author { name } } } }",
        {"data": {"topProducts": [
            {"name": "Table", "reviews": [{"body": "Love it", "author": {"name": "Ada Lovelace"}}]},
            {"name": "Couch", "reviews": [{"body": "Too small", "author": {"name": "Alan Turing"}}]},
            {"name": "Chair", "reviews": [{"body": "Could be worse", "author": {"name": "Ada Lovelace"}}]},
        ]}},
        requests={"products": 1, "reviews": 1, "accounts": 1},
    ),
    Case(
        "fed2_root_to_two_fed1_extensions",
        "{ users { username reviews { body product { name price } } purchases { upc name } } }",
        {"data": {"users": [
            {"username": "@ada", "reviews": [
                {"body": "Love it", "product": {"name": "Table", "price": 899}},
                {"body": "Could be worse", "product": {"name": "Chair", "price": 54}},
            ], "purchases": [{"upc": "1", "name": "Table"}, {"upc": "3", "name": "Chair"}]},
            {"username": "@complete", "reviews": [{"body": "Too small", "product": {"name": "Couch", "price": 1299}}], "purchases": []},
        ]}},
        requests={"accounts": 1, "reviews": 1, "products": 2},
    ),
    Case(
        "external_key_field_resolved_locally",
        "{ reviews { id author { id } product { upc } } }",
        {"data": {"reviews": [
            {"id": "r1", "author": {"id": "u1"}, "product": {"upc": "1"}},
            {"id": "r2", "author": {"id": "u2"}, "product": {"upc": "2"}},
            {"id": "r3", "author": {"id": "u1"}, "product": {"upc": "3"}},
        ]}},
        requests={"reviews": 1},
    ),
    Case(
        "fed1_argument_default",
        "{ topProducts(first: 2) { upc } }",
        {"data": {"topProducts": [{"upc": "1"}, {"upc": "2"}]}},
        requests={"products": 1},
    ),
]


async def test_gateway(case, env):
    await env.check_ours(case)


async def test_apollo_reference(case, env):
    await env.check_apollo(case)


async def test_differential(case, env):
    await env.differential(case)


def test_plan_parallel_extensions(env):
    plan = env.explain("{ users { reviews { body } purchases { name } } }")
    assert '"accounts"' in plan and '"reviews"' in plan and '"products"' in plan, plan
    assert "Sequence" in plan and "Parallel" in plan, plan
