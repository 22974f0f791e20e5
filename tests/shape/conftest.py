"""A `shape` fixture: compile a query against the test schema and run it over merged data."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLSchema
from shape_support import SCHEMA, split

from gateway.shape import compile_shape


@pytest.fixture
def shape():
    """shape(query, data, errors=None, variables=None) -> (data, errors), over SCHEMA by default."""

    def run(
        query: str,
        data: dict | None,
        errors: list[dict] | None = None,
        variables: dict[str, Any] | None = None,
        schema: GraphQLSchema = SCHEMA,
    ) -> tuple[dict | None, list[dict]]:
        operation, fragments = split(query)
        program = compile_shape(schema, operation, fragments, variables or {})
        return program.run(data, errors if errors is not None else [])

    return run
