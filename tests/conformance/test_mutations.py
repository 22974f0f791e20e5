"""Mutations: top-level mutation fields run strictly in order, each one's
sub-plan (entity jumps) finishing before the next field starts, across two
subgraphs that share one store (so the order is visible in the data).

inventory (strawberry): addStock(upc, qty), Product @key(upc) { name stock }
orders (strawberry): placeOrder(upc, qty) -> Order { id status qty seq product }
Both run in this process; EVENTS records what each subgraph did, in order.
"""

from __future__ import annotations

import itertools

import strawberry

from .harness import Case, PySubgraph, Scenario, strawberry_app

NAMES = {"1": "Table", "2": "Chair"}
INITIAL_STOCK = {"1": 2, "2": 0}
STOCK: dict[str, int] = {}
EVENTS: list[str] = []
_seq = itertools.count(1)
_order_ids = itertools.count(1)


def reset() -> None:
    global _seq, _order_ids
    STOCK.clear()
    STOCK.update(INITIAL_STOCK)
    EVENTS.clear()
    _seq = itertools.count(1)
    _order_ids = itertools.count(1)


reset()


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: strawberry.ID

    @strawberry.field
    def name(self) -> str:
        return NAMES[self.upc]

    @strawberry.field
    def stock(self) -> int:
        EVENTS.append(f"inventory:stock:{self.upc}={STOCK[self.upc]}")
        return STOCK[self.upc]

    @classmethod
    def resolve_reference(cls, upc: strawberry.ID) -> Product:
        return cls(upc=upc)


@strawberry.type
class StockResult:
    upc: strawberry.ID
    stock: int
    seq: int


@strawberry.type
class InventoryQuery:
    @strawberry.field
    def product(self, upc: strawberry.ID) -> Product | None:
        return Product(upc=upc) if upc in NAMES else None


@strawberry.type
class InventoryMutation:
    @strawberry.mutation
    def add_stock(self, upc: strawberry.ID, qty: int) -> StockResult:
        STOCK[upc] += qty
        EVENTS.append(f"inventory:addStock:{upc}+{qty}")
        return StockResult(upc=upc, stock=STOCK[upc], seq=next(_seq))


@strawberry.federation.type(name="Product", keys=["upc"])
class OrderProduct:
    upc: strawberry.ID


@strawberry.type
class Order:
    id: strawberry.ID
    status: str
    qty: int
    seq: int
    product: OrderProduct


@strawberry.type
class OrdersQuery:
    @strawberry.field
    def order_count(self) -> int:
        return sum(1 for e in EVENTS if e.startswith("orders:placeOrder"))


@strawberry.type
class OrdersMutation:
    @strawberry.mutation
    def place_order(self, upc: strawberry.ID, qty: int) -> Order | None:
        if upc not in NAMES:
            EVENTS.append(f"orders:placeOrder:{upc}:unknown")
            raise ValueError(f"unknown product {upc}")
        ok = STOCK[upc] >= qty
        if ok:
            STOCK[upc] -= qty
        EVENTS.append(f"orders:placeOrder:{upc}x{qty}:{'accepted' if ok else 'rejected'}")
        return Order(
            id=f"o{next(_order_ids)}", status="accepted" if ok else "rejected", qty=qty, seq=next(_seq), product=OrderProduct(upc=upc)
        )


SCENARIO = Scenario(
    "mutations",
    [
        PySubgraph("inventory", lambda: strawberry_app(query=InventoryQuery, mutation=InventoryMutation, types=[Product]), reset),
        PySubgraph("orders", lambda: strawberry_app(query=OrdersQuery, mutation=OrdersMutation, types=[OrderProduct]), reset),
    ],
)


def events(expected: list[str]):
    def check(_logs):
        assert EVENTS == expected, f"subgraphs saw {EVENTS}, expected {expected}"

    return check


CASES = [
    Case(
        "alternating_subgraphs_in_order",
        """mutation {
          a: addStock(upc: "1", qty: 5) { upc stock seq }
          o: placeOrder(upc: "1", qty: 3) { id status seq product { stock } }
          b: addStock(upc: "1", qty: 1) { stock seq }
          c: placeOrder(upc: "1", qty: 10) { id status seq product { name stock } }
        }""",
        {"data": {
            "a": {"upc": "1", "stock": 7, "seq": 1},
            "o": {"id": "o1", "status": "accepted", "seq": 2, "product": {"stock": 4}},
            "b": {"stock": 5, "seq": 3},
            "c": {"id": "o2", "status": "rejected", "seq": 4, "product": {"name": "Table", "stock": 5}},
        }},
        requests={"inventory": 4, "orders": 2},
        check_requests=events([
            "inventory:addStock:1+5",
            "orders:placeOrder:1x3:accepted",
            "inventory:stock:1=4",
            "inventory:addStock:1+1",
            "orders:placeOrder:1x10:rejected",
            "inventory:stock:1=5",
        ]),
    ),
    Case(
        "same_subgraph_fields_in_order",
        'mutation M($u: ID!) { x: addStock(upc: $u, qty: 1) { stock seq } y: addStock(upc: $u, qty: 2) { stock seq } z: placeOrder(upc: $u, qty: 3) { status } }',
        {"data": {"x": {"stock": 1, "seq": 1}, "y": {"stock": 3, "seq": 2}, "z": {"status": "accepted"}}},
        variables={"u": "2"},
        check_requests=events(["inventory:addStock:2+1", "inventory:addStock:2+2", "orders:placeOrder:2x3:accepted"]),
    ),
    Case(
        "failing_field_does_not_stop_later_fields",
        'mutation { bad: placeOrder(upc: "9", qty: 1) { id } good: addStock(upc: "1", qty: 1) { stock } }',
        {
            "data": {"bad": None, "good": {"stock": 3}},
            "errors": [{"message": "unknown product 9", "path": ["bad"]}],
        },
        requests={"orders": 1, "inventory": 1},
        check_requests=events(["orders:placeOrder:9:unknown", "inventory:addStock:1+1"]),
    ),
]


async def test_gateway(case, env):
    await env.check_ours(case)


async def test_apollo_reference(case, env):
    await env.check_apollo(case)


async def test_differential(case, env):
    await env.differential(case)


def test_plan_mutation_is_sequential(env):
    plan = env.explain('mutation { a: addStock(upc: "1", qty: 1) { stock } o: placeOrder(upc: "1", qty: 1) { status } }')
    assert "Sequence" in plan and "Parallel" not in plan, plan
    assert plan.index('"inventory"') < plan.index('"orders"'), plan
