"""@shareable: when the current subgraph can resolve a shareable field (or a
shareable value type), the planner stays there — asserted with request counts.

catalog (strawberry): Product @key(id) { id name @shareable price: Money @shareable stock }, products
search (Node): Product @key(id) { id name @shareable price: Money @shareable }, search(term)
"""

from __future__ import annotations

import strawberry

from .harness import Case, NodeSubgraph, PySubgraph, Scenario, strawberry_app

PRODUCTS = {"p1": ("Table", 100, 3), "p2": ("Chair", 40, 0), "p3": ("Couch", 700, 1)}


@strawberry.federation.type(shareable=True)
class Money:
    amount: int
    currency: str


@strawberry.federation.type(keys=["id"])
class Product:
    id: strawberry.ID

    @strawberry.federation.field(shareable=True)
    def name(self) -> str:
        return PRODUCTS[self.id][0]

    @strawberry.federation.field(shareable=True)
    def price(self) -> Money:
        return Money(amount=PRODUCTS[self.id][1], currency="EUR")

    @strawberry.field
    def stock(self) -> int:
        return PRODUCTS[self.id][2]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Product:
        return cls(id=id)


@strawberry.type
class Query:
    @strawberry.field
    def products(self) -> list[Product]:
        return [Product(id=i) for i in PRODUCTS]


SCENARIO = Scenario(
    "shareable",
    [
        PySubgraph("catalog", lambda: strawberry_app(query=Query, types=[Product, Money])),
        NodeSubgraph("search", "shareable_search.mjs"),
    ],
)

CASES = [
    Case(
        "shareable_field_stays_in_search",
        '{ search(term: "ch") { id name } }',
        {"data": {"search": [{"id": "p2", "name": "Chair"}, {"id": "p3", "name": "Couch"}]}},
        requests={"search": 1},
    ),
    Case(
        "shareable_value_type_stays_in_search",
        '{ search(term: "ch") { name price { amount currency } } }',
        {"data": {"search": [
            {"name": "Chair", "price": {"amount": 40, "currency": "EUR"}},
            {"name": "Couch", "price": {"amount": 700, "currency": "EUR"}},
        ]}},
        requests={"search": 1},
    ),
    Case(
        "shareable_field_stays_in_catalog",
        "{ products { name price { amount } stock } }",
        {"data": {"products": [
            {"name": "Table", "price": {"amount": 100}, "stock": 3},
            {"name": "Chair", "price": {"amount": 40}, "stock": 0},
            {"name": "Couch", "price": {"amount": 700}, "stock": 1},
        ]}},
        requests={"catalog": 1},
    ),
    Case(
        "only_the_unshared_field_jumps",
        '{ search(term: "t") { name stock price { currency } } }',
        {"data": {"search": [{"name": "Table", "stock": 3, "price": {"currency": "EUR"}}]}},
        requests={"search": 1, "catalog": 1},
        check_requests=lambda logs: _entities_ask_only_stock(logs["catalog"]),
    ),
]


def _entities_ask_only_stock(log):
    (call,) = log
    q = call["query"]
    assert "_entities" in q and "stock" in q, q
    assert "name" not in q and "price" not in q, f"shareable fields fetched again from catalog: {q}"


async def test_gateway(case, env):
    await env.check_ours(case)


async def test_apollo_reference(case, env):
    await env.check_apollo(case)


async def test_differential(case, env):
    await env.differential(case)
