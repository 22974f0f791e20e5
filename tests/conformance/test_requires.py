"""@requires: simple (fields from two subgraphs), with field arguments, on nested
fields, and a @requires that depends on another subgraph's @requires.

products (strawberry): Product { upc name price }, topProducts
inventory (strawberry): Product { weight dimensions { width height } inStock }
shipping (Node): shippingEstimate @requires("weight price"), shippingCost(zone) @requires("weight"),
                 packaging @requires("dimensions { width height }")
delivery (Node): deliveryDays @requires("shippingEstimate")
"""

from __future__ import annotations

import strawberry

from .harness import Case, NodeSubgraph, PySubgraph, Scenario, entity_calls, strawberry_app

PRODUCTS = {"p1": ("Table", 100), "p2": ("Chair", 40), "p3": ("Lamp", 900)}
STOCK = {"p1": (20, 100, 75, True), "p2": (5, 45, 90, False), "p3": (2, 20, 50, True)}


@strawberry.federation.type(name="Product", keys=["upc"])
class CatalogProduct:
    upc: strawberry.ID

    @strawberry.field
    def name(self) -> str:
        return PRODUCTS[self.upc][0]

    @strawberry.field
    def price(self) -> int:
        return PRODUCTS[self.upc][1]

    @classmethod
    def resolve_reference(cls, upc: strawberry.ID) -> CatalogProduct:
        return cls(upc=upc)


@strawberry.type
class ProductsQuery:
    @strawberry.field
    def top_products(self) -> list[CatalogProduct]:
        return [CatalogProduct(upc=u) for u in PRODUCTS]


@strawberry.federation.type(shareable=True)
class Dimensions:
    width: int | None
    height: int | None


@strawberry.federation.type(name="Product", keys=["upc"])
class StockProduct:
    upc: strawberry.ID

    @strawberry.field
    def weight(self) -> int | None:
        return STOCK[self.upc][0]

    @strawberry.field
    def dimensions(self) -> Dimensions | None:
        _, w, h, _ = STOCK[self.upc]
        return Dimensions(width=w, height=h)

    @strawberry.field
    def in_stock(self) -> bool:
        return STOCK[self.upc][3]

    @classmethod
    def resolve_reference(cls, upc: strawberry.ID) -> StockProduct:
        return cls(upc=upc)


SCENARIO = Scenario(
    "requires",
    [
        PySubgraph("products", lambda: strawberry_app(query=ProductsQuery, types=[CatalogProduct])),
        PySubgraph("inventory", lambda: strawberry_app(types=[StockProduct, Dimensions])),
        NodeSubgraph("shipping", "requires_shipping.mjs"),
        NodeSubgraph("delivery", "requires_delivery.mjs"),
    ],
)


def _shipping_got_required_fields(logs):
    # The representations sent to shipping carry the required fields, and nothing
    # is asked of shipping that it does not own.
    calls = entity_calls(logs["shipping"])
    assert len(calls) == 1
    reps = next(v for v in calls[0]["variables"].values() if isinstance(v, list))
    assert sorted(reps, key=lambda r: r["upc"]) == [
        {"__typename": "Product", "upc": "p1", "weight": 20, "price": 100},
        {"__typename": "Product", "upc": "p2", "weight": 5, "price": 40},
        {"__typename": "Product", "upc": "p3", "weight": 2, "price": 900},
    ], reps


CASES = [
    Case(
        "requires_from_two_subgraphs",
        "{ topProducts { name shippingEstimate } }",
        {"data": {"topProducts": [
            {"name": "Table", "shippingEstimate": 40},
            {"name": "Chair", "shippingEstimate": 10},
            {"name": "Lamp", "shippingEstimate": 0},
        ]}},
        requests={"products": 1, "inventory": 1, "shipping": 1},
        check_requests=_shipping_got_required_fields,
    ),
    Case(
        "required_fields_also_selected",
        "{ topProducts { upc weight price shippingEstimate inStock } }",
        {"data": {"topProducts": [
            {"upc": "p1", "weight": 20, "price": 100, "shippingEstimate": 40, "inStock": True},
            {"upc": "p2", "weight": 5, "price": 40, "shippingEstimate": 10, "inStock": False},
            {"upc": "p3", "weight": 2, "price": 900, "shippingEstimate": 0, "inStock": True},
        ]}},
        requests={"products": 1, "inventory": 1, "shipping": 1},
    ),
    Case(
        "requires_with_arguments",
        'query Cost($zone: String!) { topProducts { upc eu: shippingCost(zone: "EU") other: shippingCost(zone: $zone) } }',
        {"data": {"topProducts": [
            {"upc": "p1", "eu": 60, "other": 100},
            {"upc": "p2", "eu": 15, "other": 25},
            {"upc": "p3", "eu": 6, "other": 10},
        ]}},
        variables={"zone": "US"},
        requests={"products": 1, "inventory": 1, "shipping": 1},
    ),
    Case(
        "requires_nested_fields",
        "{ topProducts { name packaging } }",
        {"data": {"topProducts": [
            {"name": "Table", "packaging": "crate"},
            {"name": "Chair", "packaging": "box"},
            {"name": "Lamp", "packaging": "box"},
        ]}},
        requests={"products": 1, "inventory": 1, "shipping": 1},
    ),
    Case(
        "requires_on_requires_chain",
        "{ topProducts { name deliveryDays } }",
        {"data": {"topProducts": [
            {"name": "Table", "deliveryDays": 5},
            {"name": "Chair", "deliveryDays": 2},
            {"name": "Lamp", "deliveryDays": 1},
        ]}},
        requests={"products": 1, "inventory": 1, "shipping": 1, "delivery": 1},
    ),
    Case(
        "all_requires_together",
        "{ topProducts { name shippingEstimate deliveryDays packaging shippingCost(zone: \"EU\") } }",
        {"data": {"topProducts": [
            {"name": "Table", "shippingEstimate": 40, "deliveryDays": 5, "packaging": "crate", "shippingCost": 60},
            {"name": "Chair", "shippingEstimate": 10, "deliveryDays": 2, "packaging": "box", "shippingCost": 15},
            {"name": "Lamp", "shippingEstimate": 0, "deliveryDays": 1, "packaging": "box", "shippingCost": 6},
        ]}},
    ),
]


async def test_gateway(case, env):
    await env.check_ours(case)


async def test_apollo_reference(case, env):
    await env.check_apollo(case)


async def test_differential(case, env):
    await env.differential(case)


def test_plan_requires_is_sequenced(env):
    plan = env.explain("{ topProducts { name deliveryDays } }")
    for service in ("products", "inventory", "shipping", "delivery"):
        assert f'"{service}"' in plan, plan
    assert "Sequence" in plan and "Flatten" in plan, plan
    # products first, delivery last (it needs shipping's answer which needs inventory's).
    assert plan.index('"products"') < plan.index('"inventory"') < plan.index('"shipping"') < plan.index('"delivery"'), plan
