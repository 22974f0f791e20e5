"""Parse, validate and select the operation; the result is cached per document text.

Everything here depends only on the document and the schema, so a warm
request pays none of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import RequestError
from .normalize import skip_include_variables

__all__ = ["RequestError", "UnresolvedOperation", "PreparedDocument", "prepare_document", "select_operation",
           "coerce_variables"]

# `prepare_document(..., operation_name=ANY)`: do not check that the request can pick an operation.
ANY = object()


class UnresolvedOperation(RequestError):
    """The request's operation name picks no operation of the document. It depends on the request,
    not on the document alone, so it is not remembered with the document's refusals."""


@dataclass(slots=True)
class PreparedDocument:
    document: Any
    fragments: dict[str, Any]
    operations: dict[str | None, Any]
    skip_variables: tuple[str, ...]
    # Operation names that ask __schema / __type (refused unless introspection is on).
    introspection: frozenset[str | None] = frozenset()


def prepare_document(schema: Any, query: str, limits: Any = None, max_errors: int = 100,
                     operation_name: str | None | object = ANY) -> PreparedDocument:
    """Parse, bound and validate a document. A pure function of its inputs, so it can run off the
    event loop. The limits (operation.limits.OperationLimits) are checked before validation, so
    validation never sees a document whose cost is unbounded; unknown directives are reported
    once, before validation would report every use. With the request's `operation_name`, a
    document that request cannot run (no such operation, or several and no name) is refused
    before validation: validating hundreds of operations to then run none is the most expensive
    refusal there is (550 operations: 250 ms of validation, tests/hardening/attack_load.py)."""
    from graphql import GraphQLError, parse, validate
    from graphql.language import FragmentDefinitionNode, OperationDefinitionNode

    from . import limits as operation_limits

    if limits is not None:
        operation_limits.check_source(query, limits)
    try:
        document = parse(query)
    except GraphQLError as error:
        raise RequestError([_format(error, "GRAPHQL_PARSE_FAILED")]) from None
    operation_limits.unlink_tokens(document.loc.start_token if document.loc else None)
    introspection: frozenset[str | None] = frozenset()
    if limits is not None:
        measures = operation_limits.measure(document, limits)
        operation_limits.check(measures, limits)
        introspection = frozenset(measures.introspection)
    operations: dict[str | None, Any] = {}
    for d in document.definitions:
        if isinstance(d, OperationDefinitionNode):
            operations[d.name.value if d.name else None] = d
    if operation_name is not ANY:
        try:
            _select(operations, operation_name if isinstance(operation_name, str) else None)
        except RequestError as error:
            raise UnresolvedOperation(error.errors) from None
    unknown = unknown_directives(schema, document)
    if unknown:
        names = ", ".join(f"@{name}" for name in unknown)
        raise RequestError([_error(f"Unknown directive{'s' if len(unknown) > 1 else ''}: {names}.",
                                   "GRAPHQL_VALIDATION_FAILED")])
    errors = validate(schema, document, max_errors=max_errors)
    if errors:
        raise RequestError([_format(e, "GRAPHQL_VALIDATION_FAILED") for e in errors])
    _drop_tokens(document)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return PreparedDocument(document, fragments, operations, skip_include_variables(document), introspection)


def _drop_tokens(document: Any) -> None:
    """Unlink the lexer's tokens from the nodes' locations (offsets and source stay, which is all
    error locations need): a cached document then holds a third fewer objects for the GC to scan."""
    from graphql.language import Node

    stack = [document]
    while stack:
        node = stack.pop()
        loc = node.loc
        if loc is not None:
            loc.start_token = loc.end_token = None
        for key in node.keys:
            value = getattr(node, key, None)
            if isinstance(value, tuple | list):
                stack.extend(v for v in value if isinstance(v, Node))
            elif isinstance(value, Node):
                stack.append(value)


def unknown_directives(schema: Any, document: Any) -> list[str]:
    """Directive names used in `document` that the schema does not define, in order of first use."""
    known = {d.name for d in schema.directives}
    unknown: dict[str, None] = {}
    stack: list[Any] = []
    for definition in document.definitions:
        nodes = [definition, *(getattr(definition, "variable_definitions", None) or ())]
        for node in nodes:
            for d in getattr(node, "directives", None) or ():
                if d.name.value not in known:
                    unknown[d.name.value] = None
        if getattr(definition, "selection_set", None) is not None:
            stack.append(definition.selection_set)
    while stack:
        for s in stack.pop().selections:
            for d in s.directives or ():
                if d.name.value not in known:
                    unknown[d.name.value] = None
            if getattr(s, "selection_set", None) is not None:
                stack.append(s.selection_set)
    return list(unknown)


def select_operation(prepared: PreparedDocument, operation_name: str | None) -> Any:
    return _select(prepared.operations, operation_name)


def _select(operations: dict[str | None, Any], operation_name: str | None) -> Any:
    if operation_name:
        operation = operations.get(operation_name)
        if operation is None:
            raise RequestError([_error(f'Unknown operation named "{operation_name}".', "OPERATION_RESOLUTION_FAILURE")])
        return operation
    if len(operations) == 1:
        return next(iter(operations.values()))
    if not operations:
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


def _format(error: Any, code: str) -> dict[str, Any]:
    out: dict[str, Any] = {"message": error.message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    out["extensions"] = {"code": code}
    return out


def _error(message: str, code: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}
