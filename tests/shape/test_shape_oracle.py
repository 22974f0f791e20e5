"""Differential check: for well-typed data, shaping equals graphql-core executing over the same data.

graphql-core stands in for "a single GraphQL server": its resolvers read each
field by response key from the merged data and resolve abstract types by
`__typename`. Only data and error paths/messages of null propagation are
compared (graphql-core's leaf coercions are more lenient, so values stay valid).
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLResolveInfo, execute, parse
from shape_support import SCHEMA

QUERIES = [
    """
    query {
      __typename
      product { ...P name id upc p2: price ... on Node { id } }
      nodes { __typename ... on Named { name } ... on User { username reviews { body } } ...P }
      search { ... on Product { name price } ... on User { name } }
      count
    }
    fragment P on Product { upc price tags dims reviews { id body author { name username } } }
    """,
    """
    query ($x: Boolean!) {
      product { related { id name } brand { name } weight @include(if: $x) status @skip(if: $x) }
      product { related { upc } inStock }
      me { reviews { product { id upc } } }
    }
    """,
]

DATA: list[dict[str, Any]] = [
    {
        "product": {
            "__typename": "Product", "id": "1", "upc": "u1", "name": "Lamp", "price": 3, "p2": 3,
            "tags": ["a"], "dims": [[1], None, []], "weight": 1.5, "status": "ACTIVE", "inStock": True,
            "reviews": [{"id": "r", "body": "b", "author": {"name": "A", "username": "a"}}],
            "related": [[{"id": "2", "name": None, "upc": "u2"}, None], None], "brand": None,
        },
        "nodes": [
            {"__typename": "User", "name": "Ann", "username": "ann", "reviews": [{"body": "x"}, None]},
            {"__typename": "Product", "upc": "u", "price": 1, "tags": [], "dims": None, "reviews": None},
            None,
            {"__typename": "Review", "id": "r9"},
        ],
        "search": [{"__typename": "User", "name": "B"}, {"__typename": "Product", "name": "C", "price": None}],
        "count": 7,
        "me": {"reviews": [{"product": {"id": "9", "upc": "u9"}}, {"product": None}]},
    },
    {
        # Missing non-null values at several depths.
        "product": {
            "__typename": "Product", "id": "1", "upc": None, "tags": ["a"],
            "reviews": [{"id": "r", "author": {"name": "A"}}],
            "related": [[{"id": None}], [{"id": "3"}]],
        },
        "nodes": [
            {"__typename": "User", "name": "Ann", "reviews": [{"body": None}]},
            {"__typename": "Product", "upc": "u", "tags": None},
        ],
        "search": [{"__typename": "User"}, None],
        "count": 1,
        "me": {"reviews": [{"product": {"id": "9"}}]},
    },
    {"count": None, "me": None},
]


def _resolve(source: Any, info: GraphQLResolveInfo, **_: Any) -> Any:
    return source.get(info.path.key) if isinstance(source, dict) else None


def _type_of(value: Any, info: GraphQLResolveInfo, abstract: Any) -> Any:
    return value.get("__typename")


def _reference(query: str, data: dict, variables: dict) -> tuple[Any, list]:
    result = execute(
        SCHEMA, parse(query), root_value=data, variable_values=variables,
        field_resolver=_resolve, type_resolver=_type_of,
    )
    return result.data, sorted((e.message, tuple(e.path or ())) for e in result.errors or ())


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("data_index", range(len(DATA)))
@pytest.mark.parametrize("x", [True, False])
def test_matches_graphql_core(shape, query: str, data_index: int, x: bool) -> None:
    data = DATA[data_index]
    expected_data, expected_errors = _reference(query, data, {"x": x})
    shaped, errors = shape(query, data, variables={"x": x})
    assert shaped == expected_data
    assert sorted((e["message"], tuple(e["path"])) for e in errors) == expected_errors
