"""Read a supergraph SDL (Apollo's format: `@link` to join v0.2+, or Fed 1's `@core`)
into the planner's `Supergraph` model.

Works on the AST directly: no graphql-core schema is built here (the client-facing
API schema is built separately by `api_schema.build_api_schema`).
"""

from __future__ import annotations

from typing import Any

from ._args import parse_field_set
from .join_field import read_join_fields
from .join_graph import read_graphs
from .join_implements import read_implements
from .join_type import read_join_types
from .join_union_member import read_union_members
from .lookup import read_lookups
from .model import ENUM, INPUT, INTERFACE, OBJECT, SCALAR, UNION, FieldDef, Supergraph, TypeDef, TypeRef


class SupergraphError(ValueError):
    """The text is not a supergraph this gateway can serve."""


def read_supergraph(source: str | Any) -> Supergraph:
    from graphql import parse
    from graphql.error import GraphQLSyntaxError
    from graphql.language import (
        EnumTypeDefinitionNode,
        EnumTypeExtensionNode,
        InputObjectTypeDefinitionNode,
        InputObjectTypeExtensionNode,
        InterfaceTypeDefinitionNode,
        InterfaceTypeExtensionNode,
        ObjectTypeDefinitionNode,
        ObjectTypeExtensionNode,
        ScalarTypeDefinitionNode,
        ScalarTypeExtensionNode,
        SchemaDefinitionNode,
        TypeDefinitionNode,
        TypeExtensionNode,
        UnionTypeDefinitionNode,
        UnionTypeExtensionNode,
    )

    if isinstance(source, str):
        try:
            document = parse(source, no_location=True)
        except GraphQLSyntaxError as error:
            raise syntax_error(error) from None
    else:
        document = source
    from bff_common.link import JOIN_IDENTITY, LOOKUP_IDENTITY, LinkError, read_links

    try:
        links = read_links(document)
    except LinkError as error:
        raise SupergraphError(f"supergraph @link applications are invalid: {error}") from None
    join_feature, lookup_feature = links.get(JOIN_IDENTITY), links.get(LOOKUP_IDENTITY)
    join = join_feature.name_in_schema if join_feature else "join"
    lookup_prefix = lookup_feature.name_in_schema if lookup_feature else "bff"

    kinds = {
        ObjectTypeDefinitionNode: OBJECT, ObjectTypeExtensionNode: OBJECT,
        InterfaceTypeDefinitionNode: INTERFACE, InterfaceTypeExtensionNode: INTERFACE,
        UnionTypeDefinitionNode: UNION, UnionTypeExtensionNode: UNION,
        EnumTypeDefinitionNode: ENUM, EnumTypeExtensionNode: ENUM,
        ScalarTypeDefinitionNode: SCALAR, ScalarTypeExtensionNode: SCALAR,
        InputObjectTypeDefinitionNode: INPUT, InputObjectTypeExtensionNode: INPUT,
    }
    types: dict[str, TypeDef] = {}
    graphs = None
    roots: dict[str, str] = {}
    for node in document.definitions:
        if isinstance(node, SchemaDefinitionNode):
            for op in node.operation_types:
                roots[op.operation.value] = op.type.name.value
            continue
        kind = kinds.get(type(node))
        if kind is None or not isinstance(node, TypeDefinitionNode | TypeExtensionNode):
            continue
        name = node.name.value
        if name == f"{join}__Graph" and kind == ENUM:
            graphs = read_graphs(node, join)
            continue
        t = types.get(name)
        if t is None:
            t = types[name] = TypeDef(name=name, kind=kind)
        for graph, entry in read_join_types(node, join).items():
            existing = t.graphs.get(graph)
            if existing is None:
                t.graphs[graph] = entry
            else:
                existing.keys.extend(entry.keys)
        t.lookups.update(read_lookups(node, lookup_prefix))
        if isinstance(node, ObjectTypeDefinitionNode | ObjectTypeExtensionNode | InterfaceTypeDefinitionNode
                      | InterfaceTypeExtensionNode):
            t.interfaces.extend(i.name.value for i in node.interfaces or ())
            for graph, interfaces in read_implements(node, join).items():
                t.implements_in.setdefault(graph, set()).update(interfaces)
            for f in node.fields or ():
                t.fields[f.name.value] = FieldDef(
                    name=f.name.value, type=_type_ref(f.type), parent=name,
                    arguments={a.name.value: _print_type(a.type) for a in f.arguments or ()},
                    joins=read_join_fields(f, join),
                )
        elif isinstance(node, UnionTypeDefinitionNode | UnionTypeExtensionNode):
            t.members.extend(m.name.value for m in node.types or ())
            for graph, members in read_union_members(node, join).items():
                t.members_in.setdefault(graph, set()).update(members)
        elif isinstance(node, EnumTypeDefinitionNode | EnumTypeExtensionNode):
            t.enum_values.extend(v.name.value for v in node.values or ())
    if graphs is None:
        raise SupergraphError(f"not a supergraph: no `{join}__Graph` enum (is this a subgraph schema?)")

    supergraph = Supergraph(
        subgraphs=graphs, types=types,
        query_type=roots.get("query", "Query"),
        mutation_type=roots.get("mutation", "Mutation" if "Mutation" in types else None),
        subscription_type=roots.get("subscription", "Subscription" if "Subscription" in types else None),
    )
    if supergraph.query_type not in types:
        raise SupergraphError("supergraph has no Query type")
    _link_types(supergraph)
    return supergraph


def _link_types(sg: Supergraph) -> None:
    """Possible types of abstract types, and where each field is resolvable."""
    all_graphs = frozenset(sg.subgraphs)
    for t in sg.types.values():
        if t.kind == OBJECT:
            for interface in t.interfaces:
                sg.possible_types.setdefault(interface, []).append(t.name)
        elif t.kind == UNION:
            sg.possible_types[t.name] = list(t.members)
    for t in sg.types.values():
        if t.kind not in (OBJECT, INTERFACE):
            continue
        type_graphs = frozenset(t.graphs) or all_graphs
        key_fields_in: dict[str, set[str]] = {}
        for graph, entry in t.graphs.items():
            for key in entry.keys:
                for sel in key.fields.selections:
                    if hasattr(sel, "name") and not hasattr(sel, "type_condition"):
                        key_fields_in.setdefault(sel.name.value, set()).add(graph)
        for f in t.fields.values():
            if f.joins is None:
                resolvable = set(type_graphs)
            else:
                resolvable = set()
                for j in f.joins:
                    if j.graph is None:
                        continue
                    f.by_graph[j.graph] = j
                    if not j.external and not j.used_overridden:
                        resolvable.add(j.graph)
            resolvable |= key_fields_in.get(f.name, set()) - external_in(f)
            f.resolvable_in = frozenset(resolvable)


def external_in(f: FieldDef) -> set[str]:
    """Subgraphs where the field is declared @external: they only echo it back in `_entities`."""
    return {j.graph for j in f.joins or () if j.graph is not None and j.external}


def _type_ref(node: Any) -> TypeRef:
    from graphql.language import ListTypeNode, NonNullTypeNode

    text = _print_type(node)
    non_null = isinstance(node, NonNullTypeNode)
    depth = 0
    while not hasattr(node, "name") or node.name is None:
        if isinstance(node, ListTypeNode):
            depth += 1
        node = node.type
    return TypeRef(name=node.name.value, non_null=non_null, list_depth=depth, text=text)


def _print_type(node: Any) -> str:
    from graphql.language import ListTypeNode, NonNullTypeNode

    if isinstance(node, NonNullTypeNode):
        return _print_type(node.type) + "!"
    if isinstance(node, ListTypeNode):
        return "[" + _print_type(node.type) + "]"
    name: str = node.name.value  # a NamedTypeNode
    return name


__all__ = ["read_supergraph", "SupergraphError", "parse_field_set"]


def syntax_error(error: Any) -> SupergraphError:
    """A supergraph that does not parse, reported with where (a GraphQLSyntaxError's line and column)."""
    where = f" at line {error.locations[0].line}, column {error.locations[0].column}" if error.locations else ""
    return SupergraphError(f"supergraph SDL does not parse{where}: {error.message}")
