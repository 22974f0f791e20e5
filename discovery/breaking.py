"""Breaking-change check between two supergraphs, on what clients see (the API schema).

graphql-core's `find_breaking_changes` covers the cases that break existing
operations: removed type/field/enum value/argument/union member/interface,
incompatible field or argument type changes, an argument made required, a new
required argument or input field. Internal changes (join__ metadata, a field
moving between subgraphs, @inaccessible parts) are invisible here by design.
"""

from __future__ import annotations

from .model import Problem


def breaking_changes(old_supergraph: str | None, new_supergraph: str | None) -> list[Problem]:
    """Problems (code BREAKING_CHANGE) for every change that would break existing client operations."""
    if not old_supergraph:
        return []
    from graphql import GraphQLSchema
    from graphql.utilities import find_breaking_changes

    from bff_common.api_schema import build_api_schema

    old = build_api_schema(old_supergraph)
    new = build_api_schema(new_supergraph) if new_supergraph else GraphQLSchema()
    return [Problem("BREAKING_CHANGE", f"{change.type.name.lower()}: {change.description}")
            for change in find_breaking_changes(old, new)]
