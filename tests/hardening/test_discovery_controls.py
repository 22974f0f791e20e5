"""Schema discovery: field suggestions off by default, introspection off with no way around it."""

from __future__ import annotations

import pytest

from .conftest import code_of, run


async def test_suggestions_are_removed_by_default(make_gateway):
    body = await run(make_gateway(), "{ prodcts { name } products(frist: 1) { id } }")
    messages = [e["message"] for e in body["errors"]]
    assert messages == ["Cannot query field 'prodcts' on type 'Query'.",
                        "Unknown argument 'frist' on field 'Query.products'."]
    assert code_of(body) == "GRAPHQL_VALIDATION_FAILED"


async def test_suggestions_when_configured(make_gateway):
    body = await run(make_gateway(field_suggestions=True), "{ prodcts { name } }")
    assert body["errors"][0]["message"] == "Cannot query field 'prodcts' on type 'Query'. Did you mean 'products'?"


BYPASSES = [
    "{ __schema { queryType { name } } }",
    "{ a: __schema { types { name } } }",
    "{ t: __type(name: \"Product\") { fields { name } } }",
    "{ ...F } fragment F on Query { __type(name: \"Product\") { name } }",
    "{ ... on Query { ... on Query { __schema { types { name } } } } }",
    "{ tags ...F } fragment F on Query { ...G } fragment G on Query { x: __schema { types { name } } }",
    "{ self { __schema { types { name } } } }",
    "{ self { self { ...F } } } fragment F on Query { __type(name: \"Shelf\") { name } }",
]


@pytest.mark.parametrize("query", BYPASSES)
async def test_introspection_off_cannot_be_bypassed(make_gateway, query):
    body = await run(make_gateway(), query)
    assert body == {"errors": [{"message": "GraphQL introspection is not allowed here.",
                                "extensions": {"code": "INTROSPECTION_DISABLED"}}]}


async def test_typename_is_not_introspection(make_gateway):
    assert await run(make_gateway(), "{ __typename tags }") == {"data": {"__typename": "Query", "tags": ["a", "b"]}}


async def test_introspection_when_enabled(make_gateway):
    body = await run(make_gateway(introspection=True), "{ a: __type(name: \"Review\") { name } }")
    assert body == {"data": {"a": {"name": "Review"}}}
