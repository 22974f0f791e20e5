"""Contracts: the API schema a client sees, filtered from the supergraph by `@tag`.

A contract has `include` and `exclude` tag lists, with the semantics of Apollo's
contracts (as implemented by @theguild/federation-composition, which
tests/contracts compares against):

* tags on a type apply to all its fields, arguments, enum values and input fields;
* with `include`, an element (field, argument, enum value, input field, scalar,
  union) stays only when it carries an included tag; `exclude` removes any
  element carrying an excluded tag, and wins over `include`;
* an object, interface or input type whose fields are all removed is removed, as
  is an enum with no values left, or a type tagged with an excluded tag;
* a field or argument whose type is removed is removed with it (a required
  argument or input field cannot be: that contract is refused);
* types left unreachable from the roots are removed.

The result is the supergraph with `@inaccessible` added where the contract
removes something, so `api_schema.derive_api_schema` makes the contract's API
schema and checks it with the same rules as any supergraph; its failures become
`ContractError`s naming the contract. The gateway plans every contract's
operations on the full supergraph: a contract only hides, it never changes how
a field is resolved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from graphql import GraphQLNamedType, GraphQLSchema
from graphql.language import (
    ArgumentNode,
    ConstDirectiveNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    EnumValueNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListTypeNode,
    NamedTypeNode,
    NameNode,
    Node,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    StringValueNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
)

from bff_common.link import INACCESSIBLE_IDENTITY, TAG_IDENTITY, read_links

__all__ = ["Contract", "ContractError", "ContractSchema", "build_contract"]

class _Directed(Protocol):
    """A definition node that carries directives (types, fields, arguments, enum values)."""

    @property
    def directives(self) -> tuple[ConstDirectiveNode, ...] | None: ...

    @property
    def keys(self) -> tuple[str, ...]: ...


_D = TypeVar("_D", bound=_Directed)

_OBJECTS = (ObjectTypeDefinitionNode, ObjectTypeExtensionNode, InterfaceTypeDefinitionNode, InterfaceTypeExtensionNode)
_INPUTS = (InputObjectTypeDefinitionNode, InputObjectTypeExtensionNode)
_ENUMS = (EnumTypeDefinitionNode, EnumTypeExtensionNode)
_LEAVES = (ScalarTypeDefinitionNode, ScalarTypeExtensionNode, UnionTypeDefinitionNode, UnionTypeExtensionNode)
_TYPES = _OBJECTS + _INPUTS + _ENUMS + _LEAVES
_INACCESSIBLE_LINK = "https://specs.apollo.dev/inaccessible/v0.2"


@dataclass(frozen=True, slots=True)
class Contract:
    """A named view of the graph: which tags it includes and excludes."""

    name: str
    include: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    # Remove types no root reaches once the filter has run (Apollo's default).
    hide_unreachable: bool = True


class ContractError(ValueError):
    """The contract yields no valid API schema; `errors` says which element and why."""

    def __init__(self, contract: str, errors: Iterable[str]) -> None:
        self.contract = contract
        self.errors = list(errors)
        super().__init__(f'Contract "{contract}" is invalid:\n- ' + "\n- ".join(self.errors))


@dataclass(slots=True)
class ContractSchema:
    contract: Contract
    schema: GraphQLSchema
    # Schema coordinates the contract removed ("T", "T.f", "T.f(a:)", "E.V").
    removed: list[str] = field(default_factory=list)
    # Tags the contract names that no element carries (a likely typo: a warning, not an error).
    unknown_tags: list[str] = field(default_factory=list)


def build_contract(supergraph: DocumentNode, contract: Contract) -> ContractSchema:
    """The contract's API schema; raises ContractError when it would be invalid."""
    from bff_common.api_schema import ApiSchemaError, derive_api_schema

    overlap = contract.include & contract.exclude
    if overlap:
        raise ContractError(contract.name, [f'Tag "{t}" is both included and excluded.' for t in sorted(overlap)])
    marker = _Marker(supergraph, contract)
    hidden = marker.hidden()
    root = marker.query_root
    roots = [f"{root}.{f.name.value}" for n in marker.definitions.get(root, ()) for f in n.fields or ()
             if not f.name.value.startswith("_")]
    if roots and all(c in hidden for c in roots):
        raise ContractError(contract.name, [f"The contract leaves the query type {root} with no fields: none of "
                                            f"{', '.join(roots)} passes its include/exclude tags."])
    document = marker.document(hidden)
    try:
        api = derive_api_schema(document)
        if contract.hide_unreachable:
            unreachable = _unreachable(api.schema, marker.definitions) - hidden
            if unreachable:
                hidden |= unreachable
                api = derive_api_schema(marker.document(hidden))
    except ApiSchemaError as error:
        raise ContractError(contract.name, error.errors) from None
    query = api.schema.query_type
    if query is None or not query.fields:
        raise ContractError(contract.name, ["The contract leaves the query type with no fields."])
    unknown = sorted((contract.include | contract.exclude) - marker.all_tags)
    return ContractSchema(contract, api.schema, sorted(hidden), unknown)


class _Marker:
    """Decides what the contract hides and writes it into the supergraph as @inaccessible."""

    def __init__(self, document: DocumentNode, contract: Contract) -> None:
        self.document_node = document
        self.contract = contract
        links = read_links(document)
        self.tag_name = links.directive_name(TAG_IDENTITY, "tag") or "tag"
        self.inaccessible_name = links.directive_name(INACCESSIBLE_IDENTITY, "inaccessible")
        self.definitions: dict[str, list[Any]] = {}
        for node in document.definitions:
            # Types of linked features (join__Graph, link__Import...) are machinery, never the contract's to hide.
            if isinstance(node, _TYPES) and links.type_owner(node.name.value) is None:
                self.definitions.setdefault(node.name.value, []).append(node)
        self.query_root = _root_name(document, "query")
        self.tags: dict[str, set[str]] = {}
        self.all_tags: set[str] = set()
        self._collect_tags()

    # -- tags

    def _tags_of(self, node: _Directed) -> set[str]:
        found: set[str] = set()
        for d in node.directives or ():
            if d.name.value == self.tag_name:
                for arg in d.arguments or ():
                    if arg.name.value == "name" and isinstance(arg.value, StringValueNode):
                        found.add(arg.value.value)
        self.all_tags |= found
        return found

    def _collect_tags(self) -> None:
        for name, nodes in self.definitions.items():
            own: set[str] = set()
            subs: dict[str, set[str]] = {}
            for node in nodes:
                own |= self._tags_of(node)
                for f in getattr(node, "fields", None) or ():
                    subs.setdefault(f"{name}.{f.name.value}", set()).update(self._tags_of(f))
                    for a in getattr(f, "arguments", None) or ():
                        subs.setdefault(f"{name}.{f.name.value}({a.name.value}:)", set()).update(self._tags_of(a))
                for v in getattr(node, "values", None) or ():
                    subs.setdefault(f"{name}.{v.name.value}", set()).update(self._tags_of(v))
            self.tags[name] = own
            for coordinate, tags in subs.items():
                self.tags[coordinate] = tags | own  # a type's tags apply to everything in it

    def _filtered(self, coordinate: str) -> bool:
        tags = self.tags.get(coordinate, set())
        include, exclude = self.contract.include, self.contract.exclude
        return bool((include and not tags & include) or (exclude and tags & exclude))

    def _excluded(self, coordinate: str) -> bool:
        return bool(self.tags.get(coordinate, set()) & self.contract.exclude)

    # -- what goes

    def hidden(self) -> set[str]:
        hidden: set[str] = set()
        for name, nodes in self.definitions.items():
            first = nodes[0]
            if isinstance(first, _OBJECTS + _INPUTS):
                for node in nodes:
                    for f in node.fields or ():
                        coordinate = f"{name}.{f.name.value}"
                        if self._filtered(coordinate):
                            hidden.add(coordinate)
                        for a in getattr(f, "arguments", None) or ():
                            if self._filtered(f"{coordinate}({a.name.value}:)"):
                                hidden.add(f"{coordinate}({a.name.value}:)")
                if self._excluded(name):
                    hidden.add(name)
            elif isinstance(first, _ENUMS):
                for node in nodes:
                    for v in node.values or ():
                        if self._filtered(f"{name}.{v.name.value}"):
                            hidden.add(f"{name}.{v.name.value}")
                if self._excluded(name):
                    hidden.add(name)
            elif self._filtered(name):  # scalars and unions
                hidden.add(name)
        self._propagate(hidden)
        return hidden

    def _propagate(self, hidden: set[str]) -> None:
        """Until nothing changes: a type with nothing left goes, and so does every field of a gone type."""
        changed = True
        while changed:
            changed = False
            for name, nodes in self.definitions.items():
                if name in hidden:
                    continue
                first = nodes[0]
                if isinstance(first, _OBJECTS + _INPUTS):
                    fields = [(f"{name}.{f.name.value}", f) for n in nodes for f in n.fields or ()]
                    for coordinate, f in fields:
                        if coordinate not in hidden and _named(f.type) in hidden:
                            hidden.add(coordinate)
                            changed = True
                        for a in getattr(f, "arguments", None) or ():
                            acoord = f"{coordinate}({a.name.value}:)"
                            if acoord not in hidden and _named(a.type) in hidden:
                                hidden.add(acoord)
                                changed = True
                    if fields and name != self.query_root and all(c in hidden for c, _ in fields):
                        hidden.add(name)
                        changed = True
                elif isinstance(first, _ENUMS):
                    values = [f"{name}.{v.name.value}" for n in nodes for v in n.values or ()]
                    if values and all(v in hidden for v in values):
                        hidden.add(name)
                        changed = True
                elif isinstance(first, (UnionTypeDefinitionNode, UnionTypeExtensionNode)):
                    members = [t.name.value for n in nodes for t in n.types or ()]
                    if members and all(m in hidden for m in members):
                        hidden.add(name)
                        changed = True

    # -- the marked supergraph

    def document(self, hidden: set[str]) -> DocumentNode:
        name = self.inaccessible_name or "inaccessible"
        mark = DirectiveNode(name=NameNode(value=name), arguments=())

        def marked(node: _D, coordinate: str) -> _D:
            if coordinate not in hidden or any(d.name.value == name for d in node.directives or ()):
                return node
            return node.__class__(**{**_fields(node), "directives": (*(node.directives or ()), mark)})

        definitions: list[Any] = []
        for node in self.document_node.definitions:
            if isinstance(node, _TYPES) and node.name.value in self.definitions:
                type_name = node.name.value
                changes: dict[str, tuple[Any, ...]] = {}
                if isinstance(node, _OBJECTS + _INPUTS) and node.fields:
                    fields: list[Any] = []
                    for f in node.fields:
                        coordinate = f"{type_name}.{f.name.value}"
                        args = getattr(f, "arguments", None)
                        if args:
                            new_args = tuple(marked(a, f"{coordinate}({a.name.value}:)") for a in args)
                            if any(x is not y for x, y in zip(new_args, args, strict=False)):
                                f = f.__class__(**{**_fields(f), "arguments": new_args})
                        fields.append(marked(f, coordinate))
                    changes["fields"] = tuple(fields)
                if isinstance(node, _ENUMS) and node.values:
                    changes["values"] = tuple(marked(v, f"{type_name}.{v.name.value}") for v in node.values)
                if changes:
                    node = node.__class__(**{**_fields(node), **changes})
                node = marked(node, type_name)
            elif isinstance(node, SchemaDefinitionNode) and self.inaccessible_name is None and hidden:
                node = _with_inaccessible_link(node)
            definitions.append(node)
        return DocumentNode(definitions=tuple(definitions))


def _fields(node: Node | _Directed) -> dict[Any, Any]:
    return {k: getattr(node, k) for k in node.keys if k != "loc"}


def _with_inaccessible_link(schema: SchemaDefinitionNode) -> SchemaDefinitionNode:
    """A supergraph that links no @inaccessible gets the link, so the API schema derivation honours our marks."""
    link = DirectiveNode(name=NameNode(value="link"), arguments=(
        ArgumentNode(name=NameNode(value="url"), value=StringValueNode(value=_INACCESSIBLE_LINK)),
        ArgumentNode(name=NameNode(value="for"), value=EnumValueNode(value="SECURITY")),
    ))
    return SchemaDefinitionNode(**{**_fields(schema), "directives": (*(schema.directives or ()), link)})


def _named(type_node: TypeNode) -> str:
    while isinstance(type_node, (ListTypeNode, NonNullTypeNode)):
        type_node = type_node.type
    assert isinstance(type_node, NamedTypeNode)
    return type_node.name.value


def _root_name(document: DocumentNode, operation: str) -> str:
    for node in document.definitions:
        if isinstance(node, SchemaDefinitionNode):
            for op in node.operation_types:
                if op.operation.value == operation:
                    return op.type.name.value
    return operation.capitalize()


def _unreachable(schema: GraphQLSchema, definitions: dict[str, list[Any]]) -> set[str]:
    """Types of the supergraph that the API schema defines but no root reaches (as Hive and Apollo compute it)."""
    from graphql import (
        get_named_type,
        is_enum_type,
        is_input_object_type,
        is_interface_type,
        is_object_type,
        is_scalar_type,
        is_specified_directive,
        is_union_type,
    )

    seen: set[str] = set()
    queue: list[GraphQLNamedType] = []

    def visit(t: GraphQLNamedType | None) -> None:
        if t is not None and t.name not in seen:
            seen.add(t.name)
            queue.append(t)

    for root in (schema.query_type, schema.mutation_type, schema.subscription_type):
        visit(root)
    for directive in schema.directives:
        if not is_specified_directive(directive):
            for arg in directive.args.values():
                visit(get_named_type(arg.type))
    while queue:
        t = queue.pop()
        if is_object_type(t) or is_interface_type(t):
            for f in t.fields.values():
                visit(get_named_type(f.type))
                for arg in f.args.values():
                    visit(get_named_type(arg.type))
            for i in t.interfaces:
                visit(i)
            if is_interface_type(t):
                for possible in schema.get_possible_types(t):
                    visit(possible)
        elif is_input_object_type(t):
            for f in t.fields.values():
                visit(get_named_type(f.type))
        elif is_union_type(t):
            for member in t.types:
                visit(member)
        elif is_scalar_type(t) or is_enum_type(t):
            pass
    return {name for name in schema.type_map if name in definitions and name not in seen}
