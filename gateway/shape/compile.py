"""Compile an operation into ObjectPlans: all AST and schema work, done once per program."""

from __future__ import annotations

from typing import Any

from graphql import (
    FragmentDefinitionNode,
    GraphQLAbstractType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    SelectionSetNode,
    is_abstract_type,
    is_leaf_type,
    is_object_type,
)

from .codegen import CLASS, COMPOSITE, COPY, Completer, FieldCode, generate_run
from .collect import collect_fields
from .complete import (
    ObjectPlan,
    abstract_completer,
    leaf_completer,
    list_completer,
    object_completer,
    pass_through,
)
from .errors import FieldSite
from .leaves import NeverFast, leaf_serializer, serialize_custom

# (fast-path check, its argument, completer, non-null?, object plan's run or None) for one position.
Position = tuple[str, Any, Completer, bool, Any]

# Root fields answered by the introspection layer; they arrive already shaped.
_INTROSPECTION = frozenset({"__schema", "__type"})


class PlanCompiler:
    """Builds ObjectPlans for one operation with its @skip/@include variables settled."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def object_plan(
        self, object_type: GraphQLObjectType, selection_sets: list[SelectionSetNode], root: bool = False
    ) -> ObjectPlan:
        """The plan for these (merged) selection sets on one concrete object type."""
        collected = collect_fields(self.schema, object_type, selection_sets, self.fragments, self.variables)
        order: list[tuple[str, Any]] = []
        fields: list[FieldCode] = []
        for key, nodes in collected.items():
            name = nodes[0].name.value
            if name == "__typename":
                order.append((key, object_type.name))
                continue
            if root and name in _INTROSPECTION:
                code = FieldCode(key, COPY, None, pass_through, False, None)
            else:
                field = object_type.fields.get(name)
                if field is None:
                    raise ValueError(f'Cannot query field "{name}" on type "{object_type.name}".')
                site = FieldSite(object_type.name, name, nodes)
                subsets = [node.selection_set for node in nodes if node.selection_set is not None]
                check, fast, complete, nonnull, run = self._position(field.type, subsets, site)
                code = FieldCode(key, check, fast, complete, nonnull, site, run)
            order.append((key, code))
            fields.append(code)
        return ObjectPlan(object_type.name, generate_run(object_type.name, order, fields))

    def _position(self, type_: GraphQLOutputType, subsets: list[SelectionSetNode], site: FieldSite) -> Position:
        """How to complete one position: a field's value or a list item."""
        nonnull = isinstance(type_, GraphQLNonNull)
        if nonnull:
            type_ = type_.of_type  # type: ignore[union-attr]
        if isinstance(type_, GraphQLList):
            item_check, item_fast, item_complete, item_nonnull, item_run = self._position(type_.of_type, subsets, site)
            item_class = item_fast if item_check == CLASS else NeverFast
            complete = list_completer(item_class, item_complete, item_nonnull, site, item_run)
            return COMPOSITE, None, complete, nonnull, None
        if is_leaf_type(type_):
            check, fast, serialize = leaf_serializer(type_)
            complete = pass_through if serialize is serialize_custom else leaf_completer(serialize, site)
            return check, fast, complete, nonnull, None
        if is_object_type(type_):
            plan = self.object_plan(type_, subsets)
            return COMPOSITE, None, object_completer(plan, site), nonnull, plan.run
        if is_abstract_type(type_):
            return COMPOSITE, None, self._abstract(type_, subsets, site), nonnull, None
        raise TypeError(f"Not an output type: {type_}")

    def _abstract(self, abstract: GraphQLAbstractType, subsets: list[SelectionSetNode], site: FieldSite) -> Completer:
        schema = self.schema
        possible = frozenset(t.name for t in schema.get_possible_types(abstract))

        def build(type_name: str) -> ObjectPlan:
            return self.object_plan(schema.get_type(type_name), subsets)  # type: ignore[arg-type]

        def wrong_type(type_name: Any, value: Any) -> str:
            # graphql-js's messages for a bad runtime type, without its resolver advice.
            prefix = f'Abstract type "{abstract.name}"'
            if type_name is None:
                return f'{prefix} must resolve to an Object type at runtime for field "{site.coordinate}": the value has no __typename.'
            if not isinstance(type_name, str):
                return f'{prefix} must resolve to an Object type at runtime for field "{site.coordinate}": __typename is not a string.'
            found = schema.get_type(type_name)
            if found is None:
                return f'{prefix} was resolved to a type "{type_name}" that does not exist inside the schema.'
            if not is_object_type(found):
                return f'{prefix} was resolved to a non-object type "{type_name}".'
            return f'Runtime Object type "{type_name}" is not a possible type for "{abstract.name}".'

        return abstract_completer(abstract.name, possible, build, wrong_type, site)
