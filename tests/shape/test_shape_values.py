"""Leaf values checked against the API schema: scalars, enums, list and object shapes."""

from __future__ import annotations

import pytest
from graphql import build_schema

QUERY = "{ product { price weight name inStock id status } }"


def leaf(shape, field: str, value):
    """Shape one nullable leaf of `product` and return (value, error messages)."""
    shaped, errors = shape(f"{{ product {{ {field} }} }}", {"product": {field: value}})
    for error in errors:
        assert error["path"] == ["product", field]
    return shaped["product"][field], [error["message"] for error in errors]


def test_valid_values_pass(shape):
    data = {"product": {"price": 3, "weight": 1.5, "name": "n", "inStock": False, "id": "p1", "status": "RETIRED"}}
    assert shape(QUERY, data) == (data, [])


@pytest.mark.parametrize(
    "field, value, expected",
    [
        ("price", 2147483647, 2147483647),
        ("price", -2147483648, -2147483648),
        ("price", 5.0, 5),  # JSON does not tell 5 from 5.0
        ("weight", 3, 3),  # Float accepts ints
        ("weight", -0.5, -0.5),
        ("sku", 7, "7"),  # graphql-js serializes integer IDs as strings
        ("sku", "7", "7"),
        ("inStock", True, True),
        ("name", "", ""),
    ],
)
def test_accepted_values(shape, field, value, expected):
    out, messages = leaf(shape, field, value)
    assert messages == []
    assert out == expected and type(out) is type(expected)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("price", "5", 'Int cannot represent non-integer value: "5"'),
        ("price", True, "Int cannot represent non-integer value: true"),
        ("price", 1.5, "Int cannot represent non-integer value: 1.5"),
        ("price", 2147483648, "Int cannot represent non 32-bit signed integer value: 2147483648"),
        ("price", -2147483649, "Int cannot represent non 32-bit signed integer value: -2147483649"),
        ("price", [1], "Int cannot represent non-integer value: [1]"),
        ("weight", "1.5", 'Float cannot represent non numeric value: "1.5"'),
        ("weight", False, "Float cannot represent non numeric value: false"),
        ("name", 12, "String cannot represent value: 12"),
        ("name", True, "String cannot represent value: true"),
        ("name", {"a": 1}, "String cannot represent value: { a: 1 }"),
        ("inStock", "true", 'Boolean cannot represent a non boolean value: "true"'),
        ("inStock", 1, "Boolean cannot represent a non boolean value: 1"),
        ("sku", 1.5, "ID cannot represent value: 1.5"),
        ("sku", True, "ID cannot represent value: true"),
        ("sku", {}, "ID cannot represent value: {}"),
        ("status", "PURPLE", 'Enum "Status" cannot represent value: "PURPLE"'),
        ("status", "active", 'Enum "Status" cannot represent value: "active"'),
        ("status", 1, 'Enum "Status" cannot represent value: 1'),
        ("status", ["ACTIVE"], 'Enum "Status" cannot represent value: ["ACTIVE"]'),
    ],
)
def test_rejected_values_become_null_with_an_error(shape, field, value, message):
    assert leaf(shape, field, value) == (None, [message])


def test_enum_value_hidden_from_the_api_schema_is_rejected(shape):
    # The API schema lost @inaccessible values; a subgraph may still send them.
    schema = build_schema("enum Tier { FREE PRO } type Query { tier: Tier }")
    assert shape("{ tier }", {"tier": "INTERNAL"}, schema=schema) == (
        {"tier": None},
        [{"message": 'Enum "Tier" cannot represent value: "INTERNAL"', "path": ["tier"]}],
    )


def test_invalid_value_at_non_null_position_propagates(shape):
    data = {"product": {"id": 1.25, "strictStatus": "GONE"}}
    assert shape("{ product { id name } }", data) == (
        {"product": None},
        [{"message": "ID cannot represent value: 1.25", "path": ["product", "id"]}],
    )
    assert shape("{ product { strictStatus } }", data) == (
        {"product": None},
        [{"message": 'Enum "Status" cannot represent value: "GONE"', "path": ["product", "strictStatus"]}],
    )


def test_invalid_item_in_scalar_list(shape):
    # tags: [String!]!  ->  a bad item nulls the list, which nulls product.
    data = {"product": {"tags": ["a", 3, "c"]}}
    assert shape("{ product { tags } }", data) == (
        {"product": None},
        [{"message": "String cannot represent value: 3", "path": ["product", "tags", 1]}],
    )
    shaped, _ = shape("{ product { tags } }", {"product": {"tags": ["a", "b"]}})
    assert shaped == {"product": {"tags": ["a", "b"]}}


def test_non_list_at_list_position(shape):
    assert shape("{ product { dims reviews { id } } }", {"product": {"dims": 5, "reviews": {"id": "r"}}}) == (
        {"product": {"dims": None, "reviews": None}},
        [
            {"message": 'Expected Iterable, but did not find one for field "Product.dims".', "path": ["product", "dims"]},
            {
                "message": 'Expected Iterable, but did not find one for field "Product.reviews".',
                "path": ["product", "reviews"],
            },
        ],
    )


def test_non_object_at_object_position(shape):
    data = {"product": {"brand": "acme", "related": [["x", {"id": "2"}]]}}
    assert shape("{ product { brand { name } related { id } } }", data) == (
        {"product": {"brand": None, "related": [[None, {"id": "2"}]]}},
        [
            {"message": 'Expected value of type "Brand" but got: "acme".', "path": ["product", "brand"]},
            {"message": 'Expected value of type "Product" but got: "x".', "path": ["product", "related", 0, 0]},
        ],
    )


def test_non_object_at_non_null_object_position_propagates(shape):
    assert shape("{ me { name } }", {"me": ["not", "an", "object"]}) == (
        None,
        [{"message": 'Expected value of type "User" but got: ["not", "an", "object"].', "path": ["me"]}],
    )
