"""Batching: one `_entities` request per subgraph per plan step, with duplicate
representations removed, and independent steps in parallel.

reviews (Node): 100 reviews; review i is by u(i % 7) about p(i % 5)
accounts (strawberry): User @key(id) { name }, users
products (strawberry): Product @key(upc) { name }
"""

from __future__ import annotations

import strawberry

from .harness import Case, NodeSubgraph, PySubgraph, Scenario, representations, strawberry_app


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID

    @strawberry.field
    def name(self) -> str:
        return f"User {self.id[1:]}"

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return cls(id=id)


@strawberry.type
class AccountsQuery:
    @strawberry.field
    def users(self) -> list[User]:
        return [User(id=f"u{i}") for i in range(7)]


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: strawberry.ID

    @strawberry.field
    def name(self) -> str:
        return f"Product {self.upc[1:]}"

    @classmethod
    def resolve_reference(cls, upc: strawberry.ID) -> Product:
        return cls(upc=upc)


SCENARIO = Scenario(
    "batching",
    [
        NodeSubgraph("reviews", "batching_reviews.mjs"),
        PySubgraph("accounts", lambda: strawberry_app(query=AccountsQuery, types=[User])),
        PySubgraph("products", lambda: strawberry_app(types=[Product])),
    ],
)


def unique_representations(subgraph: str, key: str, values: list[str]):
    def check(logs):
        batches = representations(logs[subgraph])
        assert len(batches) == 1, f"{subgraph}: {len(batches)} _entities requests"
        (batch,) = batches
        got = [rep[key] for rep in batch]
        assert len(got) == len(set(got)), f"{subgraph}: duplicate representations sent: {got}"
        assert sorted(got) == sorted(values), got

    return check


def both(*checks):
    def check(logs):
        for c in checks:
            c(logs)

    return check


NO_DEDUP = "@apollo/gateway 2.14.4 sends one representation per occurrence (100), without removing duplicates"

CASES = [
    Case(
        "hundred_reviews_one_request_to_accounts",
        "{ reviews { id author { name } } }",
        {"data": {"reviews": [{"id": f"r{i}", "author": {"name": f"User {i % 7}"}} for i in range(100)]}},
        requests={"reviews": 1, "accounts": 1},
        check_requests=unique_representations("accounts", "id", [f"u{i}" for i in range(7)]),
        apollo_requests_differ=NO_DEDUP,
    ),
    Case(
        "two_independent_jumps_one_request_each",
        "{ reviews { stars author { name } product { name } } }",
        {"data": {"reviews": [
            {"stars": 1 + i % 5, "author": {"name": f"User {i % 7}"}, "product": {"name": f"Product {i % 5}"}} for i in range(100)
        ]}},
        requests={"reviews": 1, "accounts": 1, "products": 1},
        check_requests=both(
            unique_representations("accounts", "id", [f"u{i}" for i in range(7)]),
            unique_representations("products", "upc", [f"p{i}" for i in range(5)]),
        ),
        apollo_requests_differ=NO_DEDUP,
    ),
    Case(
        "nested_lists_one_request_per_step",
        "{ users { name reviews { id product { name } } } }",
        {"data": {"users": [
            {"name": f"User {u}", "reviews": [{"id": f"r{i}", "product": {"name": f"Product {i % 5}"}} for i in range(100) if i % 7 == u]}
            for u in range(7)
        ]}},
        requests={"accounts": 1, "reviews": 1, "products": 1},
        check_requests=both(
            unique_representations("reviews", "id", [f"u{i}" for i in range(7)]),
            unique_representations("products", "upc", [f"p{i}" for i in range(5)]),
        ),
        apollo_requests_differ=NO_DEDUP,
    ),
    Case(
        "small_list_only_needed_representations",
        "{ reviews(first: 3) { author { name } } }",
        {"data": {"reviews": [{"author": {"name": "User 0"}}, {"author": {"name": "User 1"}}, {"author": {"name": "User 2"}}]}},
        requests={"reviews": 1, "accounts": 1},
        check_requests=unique_representations("accounts", "id", ["u0", "u1", "u2"]),
    ),
    Case(
        "empty_list_no_entity_request",
        "{ reviews(first: 0) { author { name } } }",
        {"data": {"reviews": []}},
        requests={"reviews": 1},
    ),
]


async def test_gateway(case, env):
    await env.check_ours(case)


async def test_apollo_reference(case, env):
    await env.check_apollo(case)


async def test_differential(case, env):
    await env.differential(case)


def test_plan_independent_jumps_in_parallel(env):
    plan = env.explain("{ reviews { author { name } product { name } } }")
    assert "Sequence" in plan and "Parallel" in plan and "Flatten" in plan, plan
    assert plan.index('"reviews"') < plan.index("Parallel"), plan
    parallel = plan[plan.index("Parallel"):]
    assert '"accounts"' in parallel and '"products"' in parallel, plan


def test_plan_single_subgraph_is_one_fetch(env):
    plan = env.explain("{ reviews { id stars } }")
    assert plan.count("Fetch") == 1 and '"reviews"' in plan, plan
    assert "Flatten" not in plan and "Parallel" not in plan, plan
