"""Derive the client-facing API schema from a supergraph.

The supergraph is a "core schema": it links spec features with `@link` (or,
Federation 1, `@core`).  Clients must see none of that machinery, nor anything
marked `@inaccessible`.  The rules follow Apollo's `Schema.toAPISchema()`
(federation-internals: `removeInaccessibleElements` then `removeAllCoreFeatures`):

1. Every element of every linked feature goes: the `@link` directive and its
   `link__*` types, `join__*`, `@inaccessible`, `@tag`, `@authenticated`,
   `@requiresScopes`, `@policy`, `@cost`/`@listSize`, `@context`, and also
   custom directives that `@composeDirective` brought in through a `@link`
   (Apollo drops those too, even executable ones).  A feature owns the names
   `<prefix>__*`, the directive named `<prefix>` and whatever it imports
   (renames through `as:` and `import: [{name:, as:}]` are honoured).
2. Elements marked `@inaccessible` go: types, fields, arguments, enum values,
   input fields, and with a removed type its union memberships and interface
   implementations.  Before removing anything, the same checks Apollo makes
   are run, and all failures are raised together as `ApiSchemaError`:
   an inaccessible type still referenced from the API schema, an inaccessible
   query root, a type left with no fields / members / values, an inaccessible
   required argument or input field, an inaccessible field or argument that
   implements an interface's visible one, a default value that uses an
   inaccessible enum value or input field.
3. Directive definitions that belong to no feature stay when they have an
   executable location (clients may use them in operations; composition keeps
   executable directives defined in every subgraph).  Type-system-only ones go
   (a documented difference from Apollo, which keeps them; clients cannot see
   applied type-system directives anyway), as do custom `@defer` / `@stream`
   definitions (as Apollo does).  Applied directives in the type system are all
   stripped except `@deprecated`, `@specifiedBy` and `@oneOf`, which carry
   meaning for clients.
4. Root types come from `schema { ... }` when present, else by name; an
   inaccessible mutation or subscription root is simply dropped.
5. Descriptions are kept.  Unreachable types are kept (as Apollo does).

The work is done on the graphql-core AST (no printing and re-parsing); the
result is built once with `build_ast_schema` and validated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLSchema, build_ast_schema, parse, validate_schema
from graphql.language import (
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    EnumValueDefinitionNode,
    EnumValueNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListTypeNode,
    ListValueNode,
    NamedTypeNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ObjectValueNode,
    OperationType,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    ValueNode,
)

from .link import INACCESSIBLE_IDENTITY, Links, read_links

__all__ = ["ApiSchema", "ApiSchemaError", "build_api_schema", "derive_api_schema"]

# Applied directives that survive in the API schema's type system.
KEPT_APPLIED_DIRECTIVES = frozenset({"deprecated", "specifiedBy", "oneOf"})
# Directives graphql-core supplies itself: never copy a definition of these.
_BUILT_IN_DIRECTIVES = frozenset({"skip", "include", "deprecated", "specifiedBy", "oneOf"})
_BUILT_IN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})
# Apollo removes custom (non built-in) definitions of these from the API schema.
_REMOVED_IF_CUSTOM = frozenset({"defer", "stream"})

_EXECUTABLE_LOCATIONS = frozenset(
    {
        "QUERY", "MUTATION", "SUBSCRIPTION", "FIELD", "FRAGMENT_DEFINITION",
        "FRAGMENT_SPREAD", "INLINE_FRAGMENT", "VARIABLE_DEFINITION",
    }
)

_KIND = {
    ObjectTypeDefinitionNode: "object",
    ObjectTypeExtensionNode: "object",
    InterfaceTypeDefinitionNode: "interface",
    InterfaceTypeExtensionNode: "interface",
    UnionTypeDefinitionNode: "union",
    UnionTypeExtensionNode: "union",
    EnumTypeDefinitionNode: "enum",
    EnumTypeExtensionNode: "enum",
    InputObjectTypeDefinitionNode: "input",
    InputObjectTypeExtensionNode: "input",
    ScalarTypeDefinitionNode: "scalar",
    ScalarTypeExtensionNode: "scalar",
}


class ApiSchemaError(ValueError):
    """The supergraph cannot be turned into a valid API schema; `errors` lists every reason."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__("Cannot build the API schema:\n- " + "\n- ".join(self.errors))


@dataclass(slots=True)
class ApiSchema:
    """The API schema and a record of what was taken out of the supergraph."""

    schema: GraphQLSchema
    # The filtered document the schema was built from (no locations).
    document: DocumentNode
    links: Links
    # Removed directive definitions: local name -> why (the feature URL, "type-system directive", ...).
    removed_directives: dict[str, str] = field(default_factory=dict)
    # Removed types: name -> why (the feature URL, or "@inaccessible").
    removed_types: dict[str, str] = field(default_factory=dict)
    # Schema coordinates removed because of @inaccessible ("T", "T.f", "T.f(a:)", "E.V", "@d(a:)").
    inaccessible: list[str] = field(default_factory=list)


def build_api_schema(supergraph: str | DocumentNode) -> GraphQLSchema:
    """The client-facing schema of a supergraph (SDL text or parsed document)."""
    return derive_api_schema(supergraph).schema


def derive_api_schema(supergraph: str | DocumentNode, *, validate: bool = True) -> ApiSchema:
    """Like `build_api_schema`, with the record of removals.

    With `validate` (the default) the result is checked with `validate_schema`
    (graphql-core caches the outcome, so execution does not validate again).
    """
    document = parse(supergraph, no_location=True) if isinstance(supergraph, str) else supergraph
    return _Deriver(document).run(validate)


# --------------------------------------------------------------------------- helpers


def _named(type_node: TypeNode) -> str:
    while not isinstance(type_node, NamedTypeNode):
        type_node = type_node.type  # type: ignore[attr-defined]
    return type_node.name.value


def _is_required(node: InputValueDefinitionNode) -> bool:
    return isinstance(node.type, NonNullTypeNode) and node.default_value is None


class _Deriver:
    def __init__(self, document: DocumentNode) -> None:
        self.document = document
        self.links = read_links(document)
        links = self.links

        self.type_nodes: dict[str, list[Any]] = {}
        self.kinds: dict[str, str] = {}
        self.directive_defs: list[DirectiveDefinitionNode] = []
        self.schema_nodes: list[Any] = []
        definition: Any  # a type definition or extension when _KIND knows its class
        for definition in document.definitions:
            kind = _KIND.get(type(definition))
            if kind is not None:
                name = definition.name.value
                nodes = self.type_nodes.get(name)
                if nodes is None:
                    self.type_nodes[name] = [definition]
                    self.kinds[name] = kind
                elif isinstance(definition, (ObjectTypeDefinitionNode, InterfaceTypeDefinitionNode,
                                             UnionTypeDefinitionNode, EnumTypeDefinitionNode,
                                             InputObjectTypeDefinitionNode, ScalarTypeDefinitionNode)):
                    nodes.insert(0, definition)
                else:
                    nodes.append(definition)
            elif isinstance(definition, DirectiveDefinitionNode):
                self.directive_defs.append(definition)
            elif isinstance(definition, (SchemaDefinitionNode, SchemaExtensionNode)):
                self.schema_nodes.append(definition)
            # Executable definitions in a supergraph make no sense; they are ignored.

        inaccessible = links.directive_name(INACCESSIBLE_IDENTITY, "inaccessible")
        if inaccessible is None and not links.is_core_schema:
            # Not a core schema, but it declares @inaccessible: honour it rather than leak.
            if any(d.name.value == "inaccessible" for d in self.directive_defs):
                inaccessible = "inaccessible"
        self.inaccessible_name = inaccessible

        self.errors: list[str] = []
        self.result_removed_directives: dict[str, str] = {}
        self.removed_types: dict[str, str] = {}
        self.inaccessible_coords: list[str] = []

        # Which types go, and why.
        for name, nodes in self.type_nodes.items():
            owner = links.type_owner(name)
            if owner is not None:
                self.removed_types[name] = owner.url.url
                for node in nodes:
                    if self._hidden(node) or any(self._hidden(f) for f in getattr(node, "fields", None) or ()):
                        self.errors.append(f'Core feature type "{name}" cannot use @inaccessible.')
            elif any(self._hidden(node) for node in nodes):
                if name in _BUILT_IN_SCALARS or name.startswith("__"):
                    self.errors.append(f'Built-in type "{name}" cannot use @inaccessible.')
                else:
                    self.removed_types[name] = "@inaccessible"
                    self.inaccessible_coords.append(name)

        # Merged views of fields / interfaces for the interface checks.
        self.fields: dict[str, dict[str, FieldDefinitionNode]] = {}
        self.interfaces: dict[str, list[str]] = {}
        self.implementers: dict[str, list[str]] = {}
        self.input_fields: dict[str, dict[str, InputValueDefinitionNode]] = {}
        self.enum_values: dict[str, dict[str, EnumValueDefinitionNode]] = {}
        for name, nodes in self.type_nodes.items():
            kind = self.kinds[name]
            if kind in ("object", "interface"):
                fields = self.fields[name] = {}
                interfaces = self.interfaces[name] = []
                for node in nodes:
                    for f in node.fields or ():
                        fields[f.name.value] = f
                    for i in node.interfaces or ():
                        interfaces.append(i.name.value)
                        self.implementers.setdefault(i.name.value, []).append(name)
            elif kind == "input":
                inputs = self.input_fields[name] = {}
                for node in nodes:
                    for f in node.fields or ():
                        inputs[f.name.value] = f
            elif kind == "enum":
                values = self.enum_values[name] = {}
                for node in nodes:
                    for v in node.values or ():
                        values[v.name.value] = v

    # -- small predicates

    def _hidden(self, node: Any) -> bool:
        name = self.inaccessible_name
        if name is None:
            return False
        for d in node.directives or ():
            if d.name.value == name:
                return True
        return False

    def _keep_directives(self, directives: Any) -> Any:
        if not directives:
            return directives
        for d in directives:
            if d.name.value not in KEPT_APPLIED_DIRECTIVES:
                break
        else:
            return directives
        return tuple(d for d in directives if d.name.value in KEPT_APPLIED_DIRECTIVES)

    # -- checks

    def _check_reference(self, type_node: TypeNode, coordinate: str) -> None:
        target = _named(type_node)
        why = self.removed_types.get(target)
        if why is None:
            return
        if why == "@inaccessible":
            self.errors.append(
                f'Type "{target}" is @inaccessible but is referenced by "{coordinate}", which is in the API schema.'
            )
        else:
            self.errors.append(
                f'Cannot remove elements of feature {why}: type "{target}" is referenced by "{coordinate}",'
                " which is in the API schema."
            )

    def _check_default(self, node: InputValueDefinitionNode, coordinate: str) -> None:
        if node.default_value is None:
            return
        refs: list[tuple[str, str, str]] = []
        self._value_refs(node.default_value, node.type, refs)
        for kind, type_name, member in refs:
            target = (self.enum_values if kind == "enum" else self.input_fields)[type_name][member]
            if self._hidden(target):
                what = "Enum value" if kind == "enum" else "Input field"
                self.errors.append(
                    f'{what} "{type_name}.{member}" is @inaccessible but is used in the default value of'
                    f' "{coordinate}", which is in the API schema.'
                )

    def _value_refs(self, value: ValueNode, type_node: TypeNode, out: list[Any]) -> None:
        if isinstance(type_node, NonNullTypeNode):
            type_node = type_node.type
        if isinstance(type_node, ListTypeNode):
            items = value.values if isinstance(value, ListValueNode) else (value,)
            for item in items:
                self._value_refs(item, type_node.type, out)
            return
        name = type_node.name.value  # type: ignore[attr-defined]  # NamedTypeNode once list/non-null are peeled
        kind = self.kinds.get(name)
        if kind == "enum" and isinstance(value, EnumValueNode):
            if value.value in self.enum_values[name]:
                out.append(("enum", name, value.value))
        elif kind == "input" and isinstance(value, ObjectValueNode):
            fields = self.input_fields[name]
            for f in value.fields:
                target = fields.get(f.name.value)
                if target is not None:
                    out.append(("input", name, f.name.value))
                    self._value_refs(f.value, target.type, out)

    def _check_types(self) -> None:
        hidden = self._hidden
        removed = self.removed_types
        errors = self.errors
        for name, kind in self.kinds.items():
            if name in removed:
                continue
            if kind in ("object", "interface"):
                fields = self.fields[name]
                if not fields or all(hidden(f) for f in fields.values()):
                    errors.append(f'Type "{name}" is in the API schema but all of its fields are @inaccessible.')
                live_interfaces = [i for i in self.interfaces[name] if i not in removed and i in self.fields]
                implementers = [t for t in self.implementers.get(name, ()) if t not in removed]
                for fname, f in fields.items():
                    coord = f"{name}.{fname}"
                    if hidden(f):
                        for iface in live_interfaces:
                            implemented = self.fields[iface].get(fname)
                            if implemented is not None and not hidden(implemented):
                                errors.append(
                                    f'Field "{coord}" is @inaccessible but implements the interface field'
                                    f' "{iface}.{fname}", which is in the API schema.'
                                )
                        continue
                    self._check_reference(f.type, coord)
                    for arg in f.arguments or ():
                        acoord = f"{coord}({arg.name.value}:)"
                        if not hidden(arg):
                            self._check_reference(arg.type, acoord)
                            self._check_default(arg, acoord)
                            continue
                        if _is_required(arg):
                            errors.append(
                                f'Argument "{acoord}" is @inaccessible but is a required argument of its field.'
                            )
                        for impl in implementers:
                            impl_field = self.fields.get(impl, {}).get(fname)
                            if impl_field is None or hidden(impl_field):
                                continue
                            for impl_arg in impl_field.arguments or ():
                                if (impl_arg.name.value == arg.name.value and not hidden(impl_arg)
                                        and _is_required(impl_arg)):
                                    errors.append(
                                        f'Argument "{acoord}" is @inaccessible but is implemented by the required'
                                        f' argument "{impl}.{fname}({arg.name.value}:)", which is in the API schema.'
                                    )
                        for iface in live_interfaces:
                            iface_field = self.fields[iface].get(fname)
                            if iface_field is None or hidden(iface_field):
                                continue
                            for iface_arg in iface_field.arguments or ():
                                if iface_arg.name.value == arg.name.value and not hidden(iface_arg):
                                    errors.append(
                                        f'Argument "{acoord}" is @inaccessible but implements the interface argument'
                                        f' "{iface}.{fname}({arg.name.value}:)", which is in the API schema.'
                                    )
            elif kind == "input":
                inputs = self.input_fields[name]
                if not inputs or all(hidden(i) for i in inputs.values()):
                    errors.append(f'Type "{name}" is in the API schema but all of its input fields are @inaccessible.')
                for fname, inp in inputs.items():
                    coord = f"{name}.{fname}"
                    if hidden(inp):
                        if _is_required(inp):
                            errors.append(
                                f'Input field "{coord}" is @inaccessible but is a required input field of its type.'
                            )
                        continue
                    self._check_reference(inp.type, coord)
                    self._check_default(inp, coord)
            elif kind == "enum":
                values = self.enum_values[name]
                if not values or all(hidden(v) for v in values.values()):
                    errors.append(f'Type "{name}" is in the API schema but all of its values are @inaccessible.')
            elif kind == "union":
                members = [t.name.value for node in self.type_nodes[name] for t in node.types or ()]
                if not members or all(m in removed for m in members):
                    errors.append(f'Type "{name}" is in the API schema but all of its members are @inaccessible.')

    # -- output

    def _input_value(self, node: InputValueDefinitionNode) -> InputValueDefinitionNode:
        directives = self._keep_directives(node.directives)
        if directives is node.directives:
            return node
        return InputValueDefinitionNode(
            name=node.name, description=node.description, type=node.type,
            default_value=node.default_value, directives=directives,
        )

    def _arguments(self, args: Any, owner: str) -> Any:
        """The arguments minus inaccessible ones; the same object when nothing changes."""
        if not args:
            return args
        out = []
        changed = False
        for arg in args:
            if self._hidden(arg):
                self.inaccessible_coords.append(f"{owner}({arg.name.value}:)")
                changed = True
            else:
                kept = self._input_value(arg)
                changed = changed or kept is not arg
                out.append(kept)
        return tuple(out) if changed else args

    def _field(self, node: FieldDefinitionNode, owner: str) -> FieldDefinitionNode:
        directives = self._keep_directives(node.directives)
        arguments = self._arguments(node.arguments, f"{owner}.{node.name.value}")
        if directives is node.directives and arguments is node.arguments:
            return node
        return FieldDefinitionNode(
            name=node.name, description=node.description, arguments=arguments,
            type=node.type, directives=directives,
        )

    def _type(self, node: Any) -> Any:
        name = node.name.value
        hidden = self._hidden
        cls = type(node)
        kind = _KIND[cls]
        directives = self._keep_directives(node.directives)
        attrs = {"name": node.name, "directives": directives}
        if "description" in cls.keys:
            attrs["description"] = node.description
        if kind in ("object", "interface"):
            attrs["interfaces"] = tuple(i for i in node.interfaces or () if i.name.value not in self.removed_types)
            fields = []
            for f in node.fields or ():
                if hidden(f):
                    self.inaccessible_coords.append(f"{name}.{f.name.value}")
                else:
                    fields.append(self._field(f, name))
            attrs["fields"] = tuple(fields)
        elif kind == "input":
            inputs = []
            for inp in node.fields or ():
                if hidden(inp):
                    self.inaccessible_coords.append(f"{name}.{inp.name.value}")
                else:
                    inputs.append(self._input_value(inp))
            attrs["fields"] = tuple(inputs)
        elif kind == "enum":
            values = []
            for v in node.values or ():
                if hidden(v):
                    self.inaccessible_coords.append(f"{name}.{v.name.value}")
                else:
                    d = self._keep_directives(v.directives)
                    values.append(v if d is v.directives else EnumValueDefinitionNode(
                        name=v.name, description=v.description, directives=d))
            attrs["values"] = tuple(values)
        elif kind == "union":
            attrs["types"] = tuple(t for t in node.types or () if t.name.value not in self.removed_types)
        return cls(**attrs)

    def _directive_definitions(self) -> list[DirectiveDefinitionNode]:
        links = self.links
        kept = []
        for node in self.directive_defs:
            name = node.name.value
            owner = links.directive_owner(name)
            if owner is not None:
                self.result_removed_directives[name] = owner.url.url
                continue
            if name in _BUILT_IN_DIRECTIVES:
                continue  # graphql-core supplies its own
            if name in _REMOVED_IF_CUSTOM:
                self.result_removed_directives[name] = "custom @defer/@stream definition"
                continue
            if not any(loc.value in _EXECUTABLE_LOCATIONS for loc in node.locations):
                self.result_removed_directives[name] = "type-system directive"
                continue
            coord = f"@{name}"
            for arg in node.arguments or ():
                acoord = f"{coord}({arg.name.value}:)"
                if self._hidden(arg):
                    if _is_required(arg):
                        self.errors.append(
                            f'Argument "{acoord}" is @inaccessible but is a required argument of its directive.'
                        )
                else:
                    self._check_reference(arg.type, acoord)
                    self._check_default(arg, acoord)
            arguments = self._arguments(node.arguments, coord)
            kept.append(node if arguments is node.arguments else DirectiveDefinitionNode(
                name=node.name, description=node.description, arguments=arguments,
                repeatable=node.repeatable, locations=node.locations))
        return kept

    def _schema_definitions(self) -> list[Any]:
        out: list[SchemaDefinitionNode | SchemaExtensionNode] = []
        roots_seen = False
        for node in self.schema_nodes:
            ops = []
            for op in node.operation_types or ():
                roots_seen = True
                target = op.type.name.value
                why = self.removed_types.get(target)
                if why is None:
                    ops.append(op)
                elif op.operation == OperationType.QUERY:
                    self.errors.append(
                        f'Type "{target}" is @inaccessible but is the root query type, which must be in the API schema.'
                        if why == "@inaccessible" else
                        f'The root query type "{target}" belongs to the feature {why}.'
                    )
            if isinstance(node, SchemaDefinitionNode):
                if ops:
                    out.append(SchemaDefinitionNode(description=node.description, directives=(),
                                                    operation_types=tuple(ops)))
            elif ops:
                out.append(SchemaExtensionNode(directives=(), operation_types=tuple(ops)))
        if not roots_seen and self.removed_types.get("Query") == "@inaccessible":
            self.errors.append(
                'Type "Query" is @inaccessible but is the root query type, which must be in the API schema.'
            )
        if out and isinstance(out[0], SchemaExtensionNode):
            # Extensions alone cannot build a schema definition; make the first one a definition.
            first = out[0]
            out[0] = SchemaDefinitionNode(directives=(), operation_types=first.operation_types or ())
        return out

    def run(self, validate: bool) -> ApiSchema:
        self._check_types()
        definitions: list[Any] = self._schema_definitions()
        definitions.extend(self._directive_definitions())
        if self.errors:
            raise ApiSchemaError(self.errors)
        removed = self.removed_types
        for name, nodes in self.type_nodes.items():
            if name in removed or name in _BUILT_IN_SCALARS or name.startswith("__"):
                continue
            for node in nodes:
                definitions.append(self._type(node))
        document = DocumentNode(definitions=tuple(definitions))
        schema = build_ast_schema(document, assume_valid_sdl=True)
        if validate:
            problems = validate_schema(schema)
            if problems:
                raise ApiSchemaError([e.message for e in problems])
        return ApiSchema(
            schema=schema,
            document=document,
            links=self.links,
            removed_directives=self.result_removed_directives,
            removed_types=dict(removed),
            inaccessible=self.inaccessible_coords,
        )
