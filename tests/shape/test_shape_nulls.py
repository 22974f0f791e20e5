"""Null propagation, list nulls and de-duplication against incoming errors."""

from __future__ import annotations

from graphql import parse
from shape_support import SCHEMA

from gateway.shape import compile_shape


def test_nested_lists_with_nulls(shape):
    data = {"product": {"dims": [[1, 2], None, [3, None], []]}}
    assert shape("{ product { dims } }", data) == (
        {"product": {"dims": [[1, 2], None, None, []]}},
        [{"message": "Cannot return null for non-nullable field Product.dims.", "path": ["product", "dims", 2, 1]}],
    )


def test_nested_object_lists_with_nulls(shape):
    data = {"product": {"related": [[{"id": "1", "x": 0}, None], None, [], [{"id": "2"}]]}}
    assert shape("{ product { related { id } } }", data) == (
        {"product": {"related": [[{"id": "1"}, None], None, [], [{"id": "2"}]]}},
        [],
    )


def test_non_null_field_in_list_item_nulls_the_nullable_list(shape):
    # reviews: [Review!] and Review.body: String!  ->  item null -> list null.
    data = {"product": {"id": "1", "reviews": [{"id": "r1", "body": "ok"}, {"id": "r2"}]}}
    assert shape("{ product { id reviews { id body } } }", data) == (
        {"product": {"id": "1", "reviews": None}},
        [
            {
                "message": "Cannot return null for non-nullable field Review.body.",
                "path": ["product", "reviews", 1, "body"],
            }
        ],
    )


def test_null_item_in_nullable_item_list_stays_local(shape):
    # User.reviews: [Review] keeps its other items.
    data = {"me": {"username": "a", "reviews": [{"body": "ok"}, {"author": {"name": "x"}}, None]}}
    assert shape("{ me { username reviews { body author { name } } } }", data) == (
        {"me": {"username": "a", "reviews": [None, None, None]}},
        [
            {"message": "Cannot return null for non-nullable field Review.author.", "path": ["me", "reviews", 0, "author"]},
            {"message": "Cannot return null for non-nullable field Review.body.", "path": ["me", "reviews", 1, "body"]},
        ],
    )


def test_propagation_through_several_non_null_levels_to_a_nullable_field(shape):
    # node -> Review.author: User! -> User.username: String!  ->  node becomes null.
    data = {"node": {"__typename": "Review", "id": "r", "author": {"name": "x"}}, "count": 1}
    assert shape("{ count node { id ... on Review { author { username } } } }", data) == (
        {"count": 1, "node": None},
        [
            {
                "message": "Cannot return null for non-nullable field User.username.",
                "path": ["node", "author", "username"],
            }
        ],
    )


def test_propagation_up_to_root_data(shape):
    # products: [Product!]!  ->  a missing upc nulls the item, the list, and data.
    data = {"count": 2, "products": [{"upc": "a"}, {"upc": None}]}
    assert shape("{ count products { upc } }", data) == (
        None,
        [{"message": "Cannot return null for non-nullable field Product.upc.", "path": ["products", 1, "upc"]}],
    )


def test_missing_non_null_root_field_nulls_data(shape):
    assert shape("{ me { name } product { id } }", {"product": {"id": "1"}}) == (
        None,
        [{"message": "Cannot return null for non-nullable field Query.me.", "path": ["me"]}],
    )


def test_null_item_in_non_null_list_to_root(shape):
    assert shape("{ products { id } }", {"products": [{"id": "1"}, None]}) == (
        None,
        [{"message": "Cannot return null for non-nullable field Query.products.", "path": ["products", 1]}],
    )


def test_no_duplicate_error_when_an_error_is_at_the_path(shape):
    incoming = [{"message": "reviews subgraph down", "path": ["product", "reviews", 1, "body"]}]
    data = {"product": {"reviews": [{"body": "a"}, {}]}}
    assert shape("{ product { reviews { body } } }", data, incoming) == (
        {"product": {"reviews": None}},
        incoming,
    )


def test_no_duplicate_error_when_an_error_is_below_the_path(shape):
    incoming = [
        {"message": "first", "path": ["count"]},
        {"message": "accounts failed", "path": ["me", "username"], "extensions": {"code": "DOWNSTREAM"}},
    ]
    shaped, errors = shape("{ me { username } }", {}, incoming)
    assert shaped is None
    assert errors == incoming


def test_error_at_an_ancestor_or_sibling_does_not_cover_the_path(shape):
    incoming = [
        {"message": "entity fetch failed", "path": ["product"]},
        {"message": "sibling", "path": ["product", "reviewsX"]},
        {"message": "no path"},
    ]
    data = {"product": {"reviews": [{"id": "1"}]}}
    shaped, errors = shape("{ product { reviews { body } } }", data, incoming)
    assert shaped == {"product": {"reviews": None}}
    assert errors == incoming + [
        {"message": "Cannot return null for non-nullable field Review.body.", "path": ["product", "reviews", 0, "body"]}
    ]


def test_error_at_the_object_covers_its_missing_non_null_fields(shape):
    # A failed entity fetch reports each object it could not complete: the fields it
    # leaves missing in that object are its consequence, not new errors.
    incoming = [{"message": "reviews subgraph down", "path": ["product", "reviews", 0]}]
    data = {"product": {"reviews": [{"id": "1"}, {"id": "2", "body": "ok"}]}}
    shaped, errors = shape("{ product { reviews { id body } } }", data, incoming)
    assert shaped == {"product": {"reviews": None}}
    assert errors == incoming


def test_incoming_errors_come_first_in_order_then_the_shapers(shape):
    incoming = [{"message": "b", "path": ["x"]}, {"message": "a", "path": ["y"]}]
    # Like graphql-js's serial completion: fields after the one that nulls data are not visited.
    shaped, errors = shape("{ product { price } count me { name } }", {"product": {"price": "12"}}, incoming)
    assert shaped is None
    assert errors == incoming + [
        {"message": 'Int cannot represent non-integer value: "12"', "path": ["product", "price"]},
        {"message": "Cannot return null for non-nullable field Query.count.", "path": ["count"]},
    ]


def test_error_locations_are_reported_when_parsed_with_locations():
    document = parse("query {\n  product {\n    upc\n  }\n  p2: product { upc }\n}")
    program = compile_shape(SCHEMA, document.definitions[0], {}, {})  # type: ignore[arg-type]
    shaped, errors = program.run({"product": {}, "p2": {"upc": 5}}, [])
    assert shaped == {"product": None, "p2": None}
    assert errors == [
        {
            "message": "Cannot return null for non-nullable field Product.upc.",
            "locations": [{"line": 3, "column": 5}],
            "path": ["product", "upc"],
        },
        {
            "message": "String cannot represent value: 5",
            "locations": [{"line": 5, "column": 17}],
            "path": ["p2", "upc"],
        },
    ]
