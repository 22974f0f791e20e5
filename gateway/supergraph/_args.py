"""Reading directive arguments from the supergraph's AST without building a schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def directives_named(node: Any, name: str) -> Iterator[dict[str, Any]]:
    """Yield the arguments (as Python values) of each `@name` on a node."""
    from graphql.utilities import value_from_ast_untyped

    for directive in node.directives or ():
        if directive.name.value == name:
            yield {a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments or ()}


def parse_field_set(text: str) -> Any:
    """Parse a field set string ("id organization { id }") into a SelectionSetNode."""
    from graphql.language import OperationDefinitionNode, parse

    operation = parse("{" + text + "}", no_location=True).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)  # "{...}" parses as one anonymous query
    return operation.selection_set
