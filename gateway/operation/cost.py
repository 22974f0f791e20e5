"""Static cost of an operation, demand-control style (IBM GraphQL cost spec / Apollo).

Why: depth and alias limits miss the expensive-but-shallow request
(`{ a(first: 1000) { b(first: 1000) { c } } }`). The cost estimates the number
of objects the subgraphs would have to produce, before anything is sent.

Weights come from the supergraph (the cost spec, https://specs.apollo.dev/cost/v0.1,
which composition copies from the subgraphs): `@cost(weight:)` on a field, a
type or an argument, and `@listSize(assumedSize:, slicingArguments:, sizedFields:)`
on list fields. Without them: a field returning an object, interface or union
weighs 1, a scalar or enum 0, a mutation root field 10; a list field counts its
slicing argument (`first`, `last`, `limit`, `pageSize` by default) or else the
default list size. The default list size is None by default: a list whose size
neither the schema nor the client states counts once, so the limit is enforced
only where sizes are known; the estimate with an assumed size (10) is kept as
`OperationCost.reported` for the request log. A field costs `size * (weight + cost of its selections)`, plus
the weight of the arguments it is given. Introspection fields are free (answered
locally from the API schema; the depth limit bounds them). @skip/@include are
ignored: the estimate is an upper bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

COST_IDENTITY = "https://specs.apollo.dev/cost"
DEFAULT_SLICING_ARGUMENTS = ("first", "last", "limit", "pageSize")
MUTATION_FIELD_WEIGHT = 10


@dataclass(frozen=True, slots=True)
class ListSize:
    assumed_size: int | None = None
    slicing_arguments: tuple[str, ...] = ()
    sized_fields: tuple[str, ...] = ()


@dataclass(slots=True)
class CostModel:
    """Weights read from the supergraph, over the API schema used to type the selections."""

    schema: Any  # graphql.GraphQLSchema (the API schema)
    field_weights: dict[tuple[str, str], int]
    type_weights: dict[str, int]
    argument_weights: dict[tuple[str, str, str], int]
    list_sizes: dict[tuple[str, str], ListSize]
    # Size of a list nothing sizes; None: counted once (the enforced figure stays where sizes are known).
    default_list_size: int | None = None
    # Size assumed for such lists in the reported estimate.
    reported_list_size: int = 10

    @classmethod
    def from_supergraph(cls, document: Any, schema: Any, default_list_size: int | None = None,
                        reported_list_size: int = 10) -> "CostModel":
        """Read @cost / @listSize from the supergraph document (they are not in the API schema)."""
        from graphql.language import (EnumTypeDefinitionNode, EnumTypeExtensionNode, InterfaceTypeDefinitionNode,
                                      InterfaceTypeExtensionNode, ObjectTypeDefinitionNode, ObjectTypeExtensionNode,
                                      ScalarTypeDefinitionNode, ScalarTypeExtensionNode)

        from bff_common.link import read_links

        links = read_links(document)
        cost_name = links.directive_name(COST_IDENTITY, "cost")
        size_name = links.directive_name(COST_IDENTITY, "listSize")
        if cost_name is None and not links.is_core_schema:
            cost_name, size_name = "cost", "listSize"
        model = cls(schema, {}, {}, {}, {}, default_list_size, reported_list_size)
        if cost_name is None:
            return model
        with_fields = (ObjectTypeDefinitionNode, ObjectTypeExtensionNode, InterfaceTypeDefinitionNode,
                       InterfaceTypeExtensionNode)
        weighable = with_fields + (ScalarTypeDefinitionNode, ScalarTypeExtensionNode, EnumTypeDefinitionNode,
                                   EnumTypeExtensionNode)
        for definition in document.definitions:
            if not isinstance(definition, weighable):
                continue
            type_name = definition.name.value
            weight = _weight(definition.directives, cost_name)
            if weight is not None:
                model.type_weights[type_name] = weight
            if not isinstance(definition, with_fields):
                continue
            for field in definition.fields or ():
                key = (type_name, field.name.value)
                weight = _weight(field.directives, cost_name)
                if weight is not None:
                    model.field_weights[key] = weight
                for arg in field.arguments or ():
                    weight = _weight(arg.directives, cost_name)
                    if weight is not None:
                        model.argument_weights[key + (arg.name.value,)] = weight
                size = _list_size(field.directives, size_name)
                if size is not None:
                    model.list_sizes[key] = size
        return model


class OperationCost:
    """The cost of one operation; computed once unless variables feed its slicing arguments.

    When they do, the figure is remembered per distinct set of those values (bounded).
    """

    __slots__ = ("model", "operation", "fragments", "variables", "fixed", "reported", "_by_values")

    def __init__(self, model: CostModel, operation: Any, fragments: dict[str, Any]) -> None:
        self.model = model
        self.operation = operation
        self.fragments = fragments
        used: set[str] = set()
        defaults = _variable_defaults(operation)
        cost = _Estimate(model, fragments, defaults, used).operation(operation)
        self.variables = tuple(sorted(used))
        self.fixed: int | None = None if used else cost
        # With `reported_list_size` for unsized lists (variables at their defaults): logged, not enforced.
        assumed = model.default_list_size if model.default_list_size is not None else model.reported_list_size
        self.reported = cost if assumed == model.default_list_size else \
            _Estimate(model, fragments, defaults, set(), assumed).operation(operation)
        self._by_values: dict[tuple[int | str | float | bool | None, ...], int] = {}

    def of(self, variables: dict[str, Any] | None) -> int:
        """The cost with these request variables."""
        if self.fixed is not None:
            return self.fixed
        values = variables or {}
        key = tuple(_hashable(values.get(name)) for name in self.variables)
        found = self._by_values.get(key)
        if found is None:
            merged = {**_variable_defaults(self.operation), **values}
            found = _Estimate(self.model, self.fragments, merged, set()).operation(self.operation)
            if len(self._by_values) >= 64:
                self._by_values.clear()
            self._by_values[key] = found
        return found


class _Estimate:
    def __init__(self, model: CostModel, fragments: dict[str, Any], variables: dict[str, Any], used: set[str],
                 unsized: int | None = None) -> None:
        self.model = model
        self.unsized = unsized if unsized is not None else model.default_list_size
        self.fragments = fragments
        self.variables = variables
        self.used = used  # variables read by a slicing argument
        self.memo: dict[tuple[str, tuple[tuple[str, int], ...], bool], int] = {}

    def operation(self, operation: Any) -> int:
        schema = self.model.schema
        kind = operation.operation.value
        root = {"query": schema.query_type, "mutation": schema.mutation_type,
                "subscription": schema.subscription_type}.get(kind)
        if root is None:
            return 0
        return self.selection_set(operation.selection_set, root, None, kind == "mutation")

    def selection_set(self, selection_set: Any, parent: Any, sizes: dict[str, int] | None,
                      mutation_root: bool = False) -> int:
        from graphql.language import FieldNode, FragmentSpreadNode

        total = 0
        for s in selection_set.selections:
            if isinstance(s, FieldNode):
                total += self.field(s, parent, sizes, mutation_root)
            elif isinstance(s, FragmentSpreadNode):
                total += self.fragment(s.name.value, sizes, mutation_root)
            else:
                condition = self.model.schema.get_type(s.type_condition.name.value) if s.type_condition else parent
                total += self.selection_set(s.selection_set, condition or parent, sizes, mutation_root)
        return total

    def fragment(self, name: str, sizes: dict[str, int] | None, mutation_root: bool) -> int:
        key = (name, tuple(sorted(sizes.items())) if sizes else (), mutation_root)
        found = self.memo.get(key)
        if found is None:
            definition = self.fragments.get(name)
            if definition is None:
                return 0
            parent = self.model.schema.get_type(definition.type_condition.name.value)
            found = self.memo[key] = self.selection_set(definition.selection_set, parent, sizes, mutation_root) \
                if parent is not None else 0
        return found

    def field(self, node: Any, parent: Any, sizes: dict[str, int] | None, mutation_root: bool) -> int:
        from graphql.type import get_named_type, is_composite_type, is_list_type, is_non_null_type

        name = node.name.value
        if name.startswith("__"):
            return 0
        definition = getattr(parent, "fields", {}).get(name)
        if definition is None:
            return 0
        model = self.model
        key = (parent.name, name)
        named = get_named_type(definition.type)
        weight = model.field_weights.get(key)
        if weight is None:
            weight = model.type_weights.get(named.name)
        if weight is None:
            weight = MUTATION_FIELD_WEIGHT if mutation_root else (1 if is_composite_type(named) else 0)
        arguments = 0
        for arg in node.arguments or ():
            arguments += model.argument_weights.get(key + (arg.name.value,), 0)
        list_size = model.list_sizes.get(key)
        size = 1
        child_sizes = None
        if list_size is not None and list_size.sized_fields:
            child_sizes = {f: self.size_of(node, list_size) for f in list_size.sized_fields}
        else:
            wrapped = definition.type.of_type if is_non_null_type(definition.type) else definition.type
            if is_list_type(wrapped):
                size = sizes[name] if sizes and name in sizes else self.size_of(node, list_size)
        children = 0
        if node.selection_set is not None:
            children = self.selection_set(node.selection_set, named, child_sizes)
        return size * (weight + children) + arguments

    def size_of(self, node: Any, list_size: ListSize | None) -> int:
        """The list size of a field: the largest slicing argument given, else assumed, else the default."""
        slicing = list_size.slicing_arguments if list_size is not None else DEFAULT_SLICING_ARGUMENTS
        best: int | None = None
        for arg in node.arguments or ():
            if arg.name.value in slicing:
                value = self.int_value(arg.value)
                if value is not None:
                    best = value if best is None else max(best, value)
        if best is not None:
            return max(best, 0)
        if list_size is not None and list_size.assumed_size is not None:
            return list_size.assumed_size
        return self.unsized if self.unsized is not None else 1

    def int_value(self, value: Any) -> int | None:
        from graphql.language import IntValueNode, VariableNode

        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            self.used.add(value.name.value)
            found = self.variables.get(value.name.value)
            return found if isinstance(found, int) and not isinstance(found, bool) else None
        return None


def _variable_defaults(operation: Any) -> dict[str, Any]:
    from graphql.utilities import value_from_ast_untyped

    return {d.variable.name.value: value_from_ast_untyped(d.default_value)
            for d in operation.variable_definitions or () if d.default_value is not None}


def _hashable(value: Any) -> int | str | float | bool | None:
    return value if isinstance(value, (int, str, float, bool, type(None))) else repr(value)


def _weight(directives: Any, name: str) -> int | None:
    from graphql.language import IntValueNode

    for d in directives or ():
        if d.name.value == name:
            for arg in d.arguments or ():
                if arg.name.value == "weight" and isinstance(arg.value, IntValueNode):
                    return int(arg.value.value)
    return None


def _list_size(directives: Any, name: str | None) -> ListSize | None:
    from graphql.language import IntValueNode, ListValueNode, StringValueNode

    if name is None:
        return None
    for d in directives or ():
        if d.name.value != name:
            continue
        assumed: int | None = None
        slicing: tuple[str, ...] = ()
        sized: tuple[str, ...] = ()
        for arg in d.arguments or ():
            value = arg.value
            if arg.name.value == "assumedSize" and isinstance(value, IntValueNode):
                assumed = int(value.value)
            elif isinstance(value, ListValueNode):
                names = tuple(v.value for v in value.values if isinstance(v, StringValueNode))
                if arg.name.value == "slicingArguments":
                    slicing = names
                elif arg.name.value == "sizedFields":
                    sized = names
        return ListSize(assumed, slicing, sized)
    return None
