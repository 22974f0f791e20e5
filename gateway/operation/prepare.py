"""Parse, validate and select the operation; the result is cached per document text.

Everything here depends only on the document and the schema, so a warm
request pays none of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .normalize import skip_include_variables


class RequestError(Exception):
    """The request cannot run: the message and code go to the client as a GraphQL error."""

    def __init__(self, errors: list[dict], status: int | None = None) -> None:
        super().__init__(errors[0]["message"] if errors else "bad request")
        self.errors = errors
        self.status = status


@dataclass(slots=True)
class PreparedDocument:
    document: Any
    fragments: dict[str, Any]
    operations: dict[str | None, Any]
    skip_variables: tuple[str, ...]


def prepare_document(schema: Any, query: str, max_errors: int = 100) -> PreparedDocument:
    from graphql import GraphQLError, parse, validate
    from graphql.language import FragmentDefinitionNode, OperationDefinitionNode

    try:
        document = parse(query)
    except GraphQLError as error:
        raise RequestError([_format(error, "GRAPHQL_PARSE_FAILED")]) from None
    errors = validate(schema, document, max_errors=max_errors)
    if errors:
        raise RequestError([_format(e, "GRAPHQL_VALIDATION_FAILED") for e in errors])
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations: dict[str | None, Any] = {}
    for d in document.definitions:
        if isinstance(d, OperationDefinitionNode):
            operations[d.name.value if d.name else None] = d
    return PreparedDocument(document, fragments, operations, skip_include_variables(document))


def select_operation(prepared: PreparedDocument, operation_name: str | None) -> Any:
    if operation_name:
        operation = prepared.operations.get(operation_name)
        if operation is None:
            raise RequestError([_error(f'Unknown operation named "{operation_name}".', "OPERATION_RESOLUTION_FAILURE")])
        return operation
    if len(prepared.operations) == 1:
        return next(iter(prepared.operations.values()))
    if not prepared.operations:
        raise RequestError([_error("The document contains no operation.", "OPERATION_RESOLUTION_FAILURE")])
    raise RequestError([_error("Must provide operation name if query contains multiple operations.",
                               "OPERATION_RESOLUTION_FAILURE")])


def coerce_variables(schema: Any, operation: Any, variables: dict[str, Any] | None) -> dict[str, Any]:
    """Check the variables against the operation; returns the raw values to forward (defaults are
    left to the subgraphs, which receive the same variable definitions)."""
    from graphql.execution.values import get_variable_values

    if not operation.variable_definitions:
        return variables or {}
    result = get_variable_values(schema, operation.variable_definitions, variables or {}, max_errors=50)
    if isinstance(result, list):
        raise RequestError([_format(e, "BAD_USER_INPUT") for e in result])
    return variables or {}


def _format(error: Any, code: str) -> dict:
    out: dict[str, Any] = {"message": error.message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    out["extensions"] = {"code": code}
    return out


def _error(message: str, code: str) -> dict:
    return {"message": message, "extensions": {"code": code}}
