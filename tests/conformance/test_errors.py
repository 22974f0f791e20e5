"""Errors: field errors re-rooted into the client's paths, non-null propagation,
a subgraph that is down, one that answers 500 / non-JSON / data not matching its
schema, and bad client input. In every case the rest of the data still arrives,
no stack trace or internal URL leaks (checked on every response of ours), and
the gateway keeps serving.

catalog (strawberry): Product @key(id) { id name price (fails for p2) }, products, product(id)
reviews (Node): Product { rating (fails for p1), topReview: Review! (fails for p3) }
inventory: in the supergraph, nobody listening (Product.stock, inventoryStatus)
flaky (raw ASGI): misbehaves depending on the field asked
"""

from __future__ import annotations

import json

import pytest
import strawberry

from .harness import Case, DownSubgraph, NodeSubgraph, PySubgraph, Scenario, assert_no_leaks, strawberry_app

NAMES = {"p1": ("Table", 10), "p2": ("Chair", None), "p3": ("Lamp", 5)}


@strawberry.federation.type(keys=["id"])
class Product:
    id: strawberry.ID

    @strawberry.field
    def name(self) -> str:
        return NAMES[self.id][0]

    @strawberry.field
    def price(self) -> int | None:
        if NAMES[self.id][1] is None:
            raise ValueError(f"price unavailable for {self.id}")
        return NAMES[self.id][1]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Product:
        return cls(id=id)


@strawberry.type
class Query:
    @strawberry.field
    def products(self) -> list[Product | None]:
        return [Product(id=i) for i in NAMES]

    @strawberry.field
    def product(self, id: strawberry.ID) -> Product | None:
        return Product(id=id) if id in NAMES else None


INVENTORY_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { inventoryStatus: String }
type Product @key(fields: "id") { id: ID! stock: Int }
"""

FLAKY_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { status500: String notJson: String wrongShape: String wrongType: Int }
type Product @key(fields: "id") { id: ID! flakyStock: Int }
"""


def flaky_app():
    async def app(scope, receive, send):
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        query = (json.loads(body or b"{}").get("query") or "") if scope.get("method") == "POST" else ""
        status, ctype, out = 200, b"application/json", None
        if "_service" in query:
            out = {"data": {"_service": {"sdl": FLAKY_SDL}}}
        elif "_entities" in query or "status500" in query:
            status, ctype, out = 500, b"text/plain", b"Internal Server Error"
        elif "notJson" in query:
            ctype, out = b"text/html", b"<html><body>502 Bad Gateway</body></html>"
        elif "wrongShape" in query:
            out = {"data": {"wrongShape": {"nested": True}}}
        elif "wrongType" in query:
            out = {"data": {"wrongType": "many"}}
        else:
            out = {"errors": [{"message": "unexpected query"}]}
        if not isinstance(out, bytes):
            out = json.dumps(out).encode()
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", ctype)]})
        await send({"type": "http.response.body", "body": out})

    return app


SCENARIO = Scenario(
    "errors",
    [
        PySubgraph("catalog", lambda: strawberry_app(query=Query, types=[Product])),
        NodeSubgraph("reviews", "errors_reviews.mjs"),
        DownSubgraph("inventory", INVENTORY_SDL),
        PySubgraph("flaky", flaky_app),
    ],
)

PRODUCT_IDS = {"data": {"products": [{"id": "p1"}, {"id": "p2"}, {"id": "p3"}]}}

CASES = [
    Case(
        "field_error_in_root_fetch",
        "{ products { id price } }",
        {
            "data": {"products": [{"id": "p1", "price": 10}, {"id": "p2", "price": None}, {"id": "p3", "price": 5}]},
            "errors": [{"message": "price unavailable for p2", "path": ["products", 1, "price"]}],
        },
        requests={"catalog": 1},
    ),
    Case(
        "field_error_in_entity_fetch_rerooted",
        "{ products { id rating } }",
        {
            "data": {"products": [{"id": "p1", "rating": None}, {"id": "p2", "rating": 4}, {"id": "p3", "rating": 3}]},
            "errors": [{"message": "rating service overloaded", "path": ["products", 0, "rating"]}],
        },
        requests={"catalog": 1, "reviews": 1},
    ),
    Case(
        "field_error_rerooted_under_alias",
        '{ item: product(id: "p1") { r: rating } }',
        {
            "data": {"item": {"r": None}},
            "errors": [{"message": "rating service overloaded", "path": ["item", "r"]}],
        },
    ),
    Case(
        "non_null_propagation_to_nullable_list_item",
        "{ products { id topReview { body } } }",
        {
            "data": {"products": [
                {"id": "p1", "topReview": {"body": "Great table"}},
                {"id": "p2", "topReview": {"body": "Nice chair"}},
                None,
            ]},
            "errors": [{"message": "no reviews for p3", "path": ["products", 2, "topReview"]}],
        },
    ),
    Case(
        "subgraph_down_entity_fields_null_rest_arrives",
        "{ products { id name stock } }",
        {"data": {"products": [
            {"id": "p1", "name": "Table", "stock": None},
            {"id": "p2", "name": "Chair", "stock": None},
            {"id": "p3", "name": "Lamp", "stock": None},
        ]}, "errors": [{"message": "inventory unavailable"}]},
        errors="present",
        apollo_requests_differ="n/a",
    ),
    Case(
        "subgraph_down_root_field",
        "{ products { name } inventoryStatus }",
        {"data": {"products": [{"name": "Table"}, {"name": "Chair"}, {"name": "Lamp"}], "inventoryStatus": None},
         "errors": [{"message": "inventory unavailable"}]},
        errors="present",
    ),
    Case(
        "subgraph_500",
        "{ products { id } status500 }",
        {**PRODUCT_IDS, "data": {**PRODUCT_IDS["data"], "status500": None}, "errors": [{"message": "flaky: 500"}]},
        errors="present",
    ),
    Case(
        "subgraph_not_json",
        "{ products { id } notJson }",
        {"data": {**PRODUCT_IDS["data"], "notJson": None}, "errors": [{"message": "flaky: not JSON"}]},
        errors="present",
    ),
    Case(
        "subgraph_entity_fetch_500",
        "{ products { id flakyStock } }",
        {"data": {"products": [
            {"id": "p1", "flakyStock": None}, {"id": "p2", "flakyStock": None}, {"id": "p3", "flakyStock": None},
        ]}, "errors": [{"message": "flaky: 500"}]},
        errors="present",
    ),
    Case(
        "subgraph_data_of_wrong_shape",
        "{ wrongShape products { id } }",
        {"data": {"wrongShape": None, **PRODUCT_IDS["data"]}, "errors": [{"message": "String cannot represent value", "path": ["wrongShape"]}]},
        errors="paths",
        apollo_differs="@apollo/gateway nulls the invalid value but reports it only under "
        "extensions.valueCompletion, not in errors",
    ),
    Case(
        "subgraph_data_of_wrong_scalar_type",
        "{ wrongType }",
        {"data": {"wrongType": None}, "errors": [{"message": "Int cannot represent non-integer value", "path": ["wrongType"]}]},
        errors="paths",
        apollo_differs="@apollo/gateway nulls the invalid value but reports it only under "
        "extensions.valueCompletion, not in errors",
    ),
    # ---- bad client input: a request error, no data, nothing sent to subgraphs
    Case("malformed_query", "{ products { id ", {"errors": [{"message": "Syntax Error"}]}, errors="present", requests={}),
    Case("unknown_field", "{ products { id nope } }", {"errors": [{"message": "Cannot query field"}]}, errors="present", requests={}),
    Case(
        "wrong_variable_type",
        "query Q($id: ID!) { product(id: $id) { id } }",
        {"errors": [{"message": "Variable \"$id\" got invalid value"}]},
        variables={"id": {"not": "an id"}},
        errors="present",
        requests={},
    ),
    Case(
        "missing_required_variable",
        "query Q($id: ID!) { product(id: $id) { id } }",
        {"errors": [{"message": "Variable \"$id\" of required type \"ID!\" was not provided."}]},
        variables={},
        errors="present",
        requests={},
    ),
    Case(
        "unknown_operation_name",
        "query A { products { id } }",
        {"errors": [{"message": "Unknown operation named \"B\"."}]},
        operation_name="B",
        errors="present",
        requests={},
    ),
    Case(
        "several_operations_without_name",
        "query A { products { id } } query B { products { name } }",
        {"errors": [{"message": "Must provide operation name if query contains multiple operations."}]},
        errors="present",
        requests={},
    ),
    Case(
        "still_serving_after_bad_input",
        '{ product(id: "p3") { name rating topReview { body } } }',
        {
            "data": {"product": None},
            "errors": [{"message": "no reviews for p3", "path": ["product", "topReview"]}],
        },
    ),
]


async def test_gateway(case, env):
    await env.check_ours(case)


async def test_apollo_reference(case, env):
    await env.check_apollo(case)


async def test_differential(case, env):
    await env.differential(case)


async def test_gateway_survives_a_burst_of_bad_input(env):
    bad = ["{", "{ nope }", "query ($x: Int!) { products { id } }", "subscription { products { id } }", "", "{ products { id price(x: 1) } }"]
    for q in bad:
        body = (await env.run_ours(q)).body
        assert body.get("errors"), (q, body)
        assert "data" not in body or body["data"] is None, (q, body)
    body = (await env.run_ours("{ products { id } }")).body
    assert body == PRODUCT_IDS, body


# ---- errors that say where: each failed fetch's errors point at the data it leaves missing
# (@apollo/gateway reports these failures once, without a path, so these check ours only).
FAILED_FETCHES = [
    ("entity_fetch_to_a_down_subgraph", "{ products { id name stock } }",
     [["products", 0], ["products", 1], ["products", 2]]),
    ("root_fetch_to_a_down_subgraph", "{ products { name } inventoryStatus }", [["inventoryStatus"]]),
    ("root_fetch_answering_500", "{ products { id } status500 }", [["status500"]]),
    ("root_fetch_answering_html", "{ products { id } notJson }", [["notJson"]]),
    ("entity_fetch_answering_500", "{ products { id flakyStock } }",
     [["products", 0], ["products", 1], ["products", 2]]),
    ("entity_fetch_under_an_alias", '{ one: product(id: "p3") { name stock } }', [["one"]]),
]


@pytest.mark.parametrize("query, paths", [c[1:] for c in FAILED_FETCHES], ids=[c[0] for c in FAILED_FETCHES])
async def test_failed_fetch_errors_point_at_the_missing_data(env, query, paths):
    body = (await env.run_ours(query)).body
    assert_no_leaks(body, list(env.urls.values()))
    assert [e.get("path") for e in body["errors"]] == paths, body
    assert {e["extensions"]["code"] for e in body["errors"]} == {"SUBGRAPH_REQUEST_FAILED"}
