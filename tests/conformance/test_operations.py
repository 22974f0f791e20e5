"""Operation features across a subgraph jump: named and inline fragments,
aliases (including aliasing a key field, and an alias named like a key field),
variables (nested input objects, lists, defaults), @skip/@include with literals
and variables (a skipped jump costs no request), operation selection by name.

catalog (Node): products(filter: ProductFilter, first), productsByUpcs(upcs), Product @key(upc)
reviews (strawberry): Product { reviews(minStars) }, Review { stars body }
"""

from __future__ import annotations

import strawberry

from .harness import Case, NodeSubgraph, PySubgraph, Scenario, strawberry_app

REVIEWS = {"1": [(5, "Solid"), (3, "Heavy")], "2": [(4, "Nice")], "3": [], "4": [(2, "Lumpy")]}


@strawberry.type
class Review:
    stars: int
    body: str


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: strawberry.ID

    @strawberry.field
    def reviews(self, min_stars: int = 0) -> list[Review]:
        return [Review(stars=s, body=b) for s, b in REVIEWS[self.upc] if s >= min_stars]

    @classmethod
    def resolve_reference(cls, upc: strawberry.ID) -> Product:
        return cls(upc=upc)


SCENARIO = Scenario(
    "operations",
    [
        NodeSubgraph("catalog", "operations_catalog.mjs"),
        PySubgraph("reviews", lambda: strawberry_app(types=[Product])),
    ],
)

SKIP_INCLUDE_VARS = (
    "query P($withReviews: Boolean!, $noPrice: Boolean!) {"
    " products(first: 2) { name price @skip(if: $noPrice) reviews @include(if: $withReviews) { stars } } }"
)

CASES = [
    Case(
        "alias_key_field_and_alias_named_like_key",
        '{ productsByUpcs(upcs: ["2", "1"]) { id: upc upc: name reviews { s: stars } } }',
        {"data": {"productsByUpcs": [
            {"id": "2", "upc": "Chair", "reviews": [{"s": 4}]},
            {"id": "1", "upc": "Table", "reviews": [{"s": 5}, {"s": 3}]},
        ]}},
        requests={"catalog": 1, "reviews": 1},
        apollo_differs="@apollo/gateway 2.14.4 merges the client's `upc: name` with the key field `upc` it adds "
        "for the jump and answers the upc (\"2\") instead of the name (\"Chair\")",
    ),
    Case(
        "alias_key_field",
        '{ productsByUpcs(upcs: ["2", "1"]) { id: upc title: name reviews { s: stars } } }',
        {"data": {"productsByUpcs": [
            {"id": "2", "title": "Chair", "reviews": [{"s": 4}]},
            {"id": "1", "title": "Table", "reviews": [{"s": 5}, {"s": 3}]},
        ]}},
        requests={"catalog": 1, "reviews": 1},
    ),
    Case(
        "same_field_twice_with_different_arguments",
        '{ cheap: products(filter: {tags: ["wood"]}) { name good: reviews(minStars: 4) { body } all: reviews { body } } big: products(filter: {tags: ["big"], minPrice: 200}) { name } }',
        {"data": {
            "cheap": [
                {"name": "Table", "good": [{"body": "Solid"}], "all": [{"body": "Solid"}, {"body": "Heavy"}]},
                {"name": "Chair", "good": [{"body": "Nice"}], "all": [{"body": "Nice"}]},
            ],
            "big": [{"name": "Sofa"}],
        }},
        requests={"catalog": 1, "reviews": 1},
    ),
    Case(
        "variables_nested_input_and_lists",
        "query Q($tags: [String!], $min: Int, $upcs: [ID!]!, $stars: Int) {"
        " products(filter: {minPrice: $min, tags: $tags}) { name }"
        " productsByUpcs(upcs: $upcs) { name reviews(minStars: $stars) { body } } }",
        {"data": {
            "products": [{"name": "Table"}, {"name": "Chair"}],
            "productsByUpcs": [{"name": "Lamp", "reviews": []}, {"name": "Table", "reviews": [{"body": "Solid"}]}],
        }},
        variables={"tags": ["wood", "metal"], "min": 30, "upcs": ["3", "1"], "stars": 5},
    ),
    Case(
        "variable_inside_list_literal_and_input_object_variable",
        "query Q($u: ID!, $f: ProductFilter) { productsByUpcs(upcs: [\"4\", $u]) { name } products(filter: $f) { upc } }",
        {"data": {"productsByUpcs": [{"name": "Sofa"}, {"name": "Chair"}], "products": [{"upc": "4"}]}},
        variables={"u": "2", "f": {"tags": ["big"], "minPrice": 500}},
        requests={"catalog": 1},
    ),
    Case(
        "variable_default_value",
        "query Q($min: Int = 90, $stars: Int = 4) { products(filter: {minPrice: $min}) { name reviews(minStars: $stars) { stars } } }",
        {"data": {"products": [{"name": "Table", "reviews": [{"stars": 5}]}, {"name": "Sofa", "reviews": []}]}},
    ),
    Case(
        "skip_include_literals",
        "{ products(first: 2) { name price @skip(if: true) upc @include(if: true) reviews @include(if: false) { body } } }",
        {"data": {"products": [{"name": "Table", "upc": "1"}, {"name": "Chair", "upc": "2"}]}},
        requests={"catalog": 1},
    ),
    Case(
        "skip_include_variables_true",
        SKIP_INCLUDE_VARS,
        {"data": {"products": [
            {"name": "Table", "reviews": [{"stars": 5}, {"stars": 3}]},
            {"name": "Chair", "reviews": [{"stars": 4}]},
        ]}},
        variables={"withReviews": True, "noPrice": True},
        requests={"catalog": 1, "reviews": 1},
    ),
    Case(
        "skip_include_variables_false_no_jump",
        SKIP_INCLUDE_VARS,
        {"data": {"products": [{"name": "Table", "price": 100}, {"name": "Chair", "price": 40}]}},
        variables={"withReviews": False, "noPrice": False},
        requests={"catalog": 1},
    ),
    Case(
        "named_and_inline_fragments",
        "query F($more: Boolean!) { products(first: 3) { ...Basic ... on Product { reviews { ...R } } ... @include(if: $more) { price } } }"
        " fragment Basic on Product { upc ...Name } fragment Name on Product { name } fragment R on Review { stars }",
        {"data": {"products": [
            {"upc": "1", "name": "Table", "reviews": [{"stars": 5}, {"stars": 3}], "price": 100},
            {"upc": "2", "name": "Chair", "reviews": [{"stars": 4}], "price": 40},
            {"upc": "3", "name": "Lamp", "reviews": [], "price": 25},
        ]}},
        variables={"more": True},
    ),
    Case(
        "fragment_merging_same_field",
        '{ productsByUpcs(upcs: ["1"]) { reviews { stars } ... on Product { reviews { body } name } name } }',
        {"data": {"productsByUpcs": [{"reviews": [{"stars": 5, "body": "Solid"}, {"stars": 3, "body": "Heavy"}], "name": "Table"}]}},
        requests={"catalog": 1, "reviews": 1},
    ),
    Case(
        "fragment_on_query_and_typename_in_entity_fetch",
        "query { ...Q } fragment Q on Query { products(first: 1) { __typename reviews { __typename stars } } }",
        {"data": {"products": [{"__typename": "Product", "reviews": [
            {"__typename": "Review", "stars": 5}, {"__typename": "Review", "stars": 3},
        ]}]}},
        requests={"catalog": 1, "reviews": 1},
    ),
    Case(
        "skip_on_fragment_spread_and_inline_fragment",
        "query S($s: Boolean!) { products(first: 2) { name ...Rev @skip(if: $s) ... on Product @include(if: $s) { price } } }"
        " fragment Rev on Product { reviews { stars } }",
        {"data": {"products": [{"name": "Table", "price": 100}, {"name": "Chair", "price": 40}]}},
        variables={"s": True},
        requests={"catalog": 1},
    ),
    Case(
        "operation_selected_by_name",
        'query A { products(first: 1) { name } } query B($u: ID!) { productsByUpcs(upcs: [$u]) { name reviews { body } } }',
        {"data": {"productsByUpcs": [{"name": "Sofa", "reviews": [{"body": "Lumpy"}]}]}},
        variables={"u": "4"},
        operation_name="B",
    ),
    Case(
        "null_entity_in_list_skipped_for_jump",
        '{ productsByUpcs(upcs: ["9", "3"]) { name reviews { body } } }',
        {"data": {"productsByUpcs": [None, {"name": "Lamp", "reviews": []}]}},
        requests={"catalog": 1, "reviews": 1},
    ),
]


async def test_gateway(case, env):
    await env.check_ours(case)


async def test_apollo_reference(case, env):
    await env.check_apollo(case)


async def test_differential(case, env):
    await env.differential(case)
