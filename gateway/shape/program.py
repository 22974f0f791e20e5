"""`compile_shape` and the `ShapeProgram` it returns: the response-shaping entry points."""

from __future__ import annotations

from typing import Any

from graphql import (
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    value_from_ast_untyped,
)

from .compile import PlanCompiler
from .complete import ObjectPlan
from .errors import NullPosition, RunState


class ShapeProgram:
    """One operation compiled for one set of @skip/@include values; reusable and thread-safe."""

    __slots__ = ("root",)

    def __init__(self, root: ObjectPlan) -> None:
        self.root = root

    def run(self, data: dict[Any, Any] | None,
            errors: list[dict[Any, Any]]) -> tuple[dict[Any, Any] | None, list[dict[Any, Any]]]:
        """The client's (data, errors) from the executor's merged data and re-rooted errors.

        `data` None means execution produced nothing and passes through. The
        returned errors are `errors` itself when shaping added none, else a new
        list with the shaper's errors after the incoming ones.
        """
        if data is None:
            return None, errors
        state = RunState(errors)
        try:
            shaped: dict[Any, Any] | None = self.root.run(data, None, state)
        except NullPosition:
            shaped = None
        if state.errors:
            return shaped, [*errors, *state.errors]
        return shaped, errors


def compile_shape(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
) -> ShapeProgram:
    """Compile the client's operation against the API schema into a reusable ShapeProgram.

    @skip/@include are decided here, so a program is valid only for the values
    of the variables `skip_include_variables` names.
    """
    root_type = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    if root_type is None:
        raise ValueError(f"Schema does not define the {operation.operation.value} root type.")
    compiler = PlanCompiler(schema, fragments, _with_defaults(operation, variables))
    return ShapeProgram(compiler.object_plan(root_type, [operation.selection_set], root=True))


def _with_defaults(operation: OperationDefinitionNode, variables: dict[str, Any]) -> dict[str, Any]:
    """The variables plus the operation's defaults for any not given (callers may pass raw values)."""
    merged = dict(variables or {})
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in merged and definition.default_value is not None:
            merged[name] = value_from_ast_untyped(definition.default_value)
    return merged
