"""Answer `__schema` / `__type` from the API schema, in the gateway itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graphql import InitialIncrementalExecutionResult


async def introspect(schema: Any, document: Any, operation: Any,
                     variables: dict[str, Any]) -> tuple[dict[Any, Any], list[Any]]:
    # The incremental entry point: plain `execute` refuses a schema declaring @defer (realtime/defer.py adds it).
    from graphql import ExecutionResult, ExperimentalIncrementalExecutionResults
    from graphql import experimental_execute_incrementally as execute
    from graphql.language import DocumentNode, FieldNode, OperationDefinitionNode, SelectionSetNode

    selections = tuple(s for s in operation.selection_set.selections
                       if isinstance(s, FieldNode) and s.name.value in ("__schema", "__type"))
    op = OperationDefinitionNode(operation=operation.operation, name=operation.name,
                                 variable_definitions=operation.variable_definitions,
                                 directives=(), selection_set=SelectionSetNode(selections=selections))
    others = tuple(d for d in document.definitions if not isinstance(d, OperationDefinitionNode))
    outcome = execute(schema, DocumentNode(definitions=(op,) + others), variable_values=variables)
    result: ExecutionResult | InitialIncrementalExecutionResult
    if isinstance(outcome, ExperimentalIncrementalExecutionResults):
        result = outcome.initial_result  # @defer inside introspection: delivered at once, not later
    elif isinstance(outcome, ExecutionResult):
        result = outcome
    else:  # introspection resolvers are synchronous
        raise TypeError("introspection did not complete synchronously")
    errors = [e.formatted for e in result.errors or ()]
    return result.data or {}, errors
