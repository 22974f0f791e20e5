"""@override: a field taken over by another subgraph is fetched from the new
owner only — both when the old subgraph still declares it (with stale values that
must never show up) and when it no longer does.

legacy (strawberry): Product @key(id) { id name price (stale) }, legacyProducts
pricing (Node): Product { price @override(from: "legacy"), currency @override(from: "legacy") }, deals
"""

from __future__ import annotations

import strawberry

from .harness import Case, NodeSubgraph, PySubgraph, Scenario, strawberry_app

NAMES = {"p1": "Table", "p2": "Chair", "p3": "Couch"}


@strawberry.federation.type(keys=["id"])
class Product:
    id: strawberry.ID

    @strawberry.field
    def name(self) -> str:
        return NAMES[self.id]

    @strawberry.field
    def price(self) -> int:
        return -1  # stale: overridden by pricing

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Product:
        return cls(id=id)


@strawberry.type
class Query:
    @strawberry.field
    def legacy_products(self) -> list[Product]:
        return [Product(id=i) for i in NAMES]


SCENARIO = Scenario(
    "override",
    [
        PySubgraph("legacy", lambda: strawberry_app(query=Query, types=[Product])),
        NodeSubgraph("pricing", "override_pricing.mjs"),
    ],
)


def _legacy_never_asked_for_price(logs):
    for call in logs["legacy"]:
        assert "price" not in call["query"], call["query"]


CASES = [
    Case(
        "overridden_field_from_new_owner",
        "{ legacyProducts { id name price } }",
        {"data": {"legacyProducts": [
            {"id": "p1", "name": "Table", "price": 95},
            {"id": "p2", "name": "Chair", "price": 35},
            {"id": "p3", "name": "Couch", "price": 650},
        ]}},
        requests={"legacy": 1, "pricing": 1},
        check_requests=_legacy_never_asked_for_price,
    ),
    Case(
        "override_of_undeclared_field",
        "{ legacyProducts { name currency } }",
        {"data": {"legacyProducts": [
            {"name": "Table", "currency": "EUR"},
            {"name": "Chair", "currency": "EUR"},
            {"name": "Couch", "currency": "EUR"},
        ]}},
        requests={"legacy": 1, "pricing": 1},
    ),
    Case(
        "not_overridden_fields_stay",
        "{ legacyProducts { name } }",
        {"data": {"legacyProducts": [{"name": "Table"}, {"name": "Chair"}, {"name": "Couch"}]}},
        requests={"legacy": 1},
    ),
    Case(
        "from_new_owner_root",
        "{ deals { id price currency name } }",
        {"data": {"deals": [
            {"id": "p3", "price": 650, "currency": "EUR", "name": "Couch"},
            {"id": "p1", "price": 95, "currency": "EUR", "name": "Table"},
        ]}},
        requests={"pricing": 1, "legacy": 1},
        check_requests=_legacy_never_asked_for_price,
    ),
]


async def test_gateway(case, env):
    await env.check_ours(case)


async def test_apollo_reference(case, env):
    await env.check_apollo(case)


async def test_differential(case, env):
    await env.differential(case)
