"""Subgraph SDL -> `model.Subgraph`: federation directives become flags, federation
plumbing (`_Service`, `_entities`, `FieldSet`, link types) is dropped, root types
are renamed to Query/Mutation/Subscription."""

from __future__ import annotations

from typing import Any

from graphql import parse
from graphql.error import GraphQLSyntaxError
from graphql.language import (
    DirectiveDefinitionNode,
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
    SchemaExtensionNode,
    StringValueNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    print_ast,
)

from .fedlink import LinkError, SchemaLinks, read_schema_links
from .model import (
    ENUM,
    INPUT,
    INTERFACE,
    OBJECT,
    SCALAR,
    UNION,
    Applied,
    Argument,
    EnumValue,
    Field,
    Key,
    Subgraph,
    Type,
)
from .result import CompositionError

_KINDS: dict[type, tuple[str, bool]] = {
    ObjectTypeDefinitionNode: (OBJECT, False), ObjectTypeExtensionNode: (OBJECT, True),
    InterfaceTypeDefinitionNode: (INTERFACE, False), InterfaceTypeExtensionNode: (INTERFACE, True),
    UnionTypeDefinitionNode: (UNION, False), UnionTypeExtensionNode: (UNION, True),
    EnumTypeDefinitionNode: (ENUM, False), EnumTypeExtensionNode: (ENUM, True),
    InputObjectTypeDefinitionNode: (INPUT, False), InputObjectTypeExtensionNode: (INPUT, True),
    ScalarTypeDefinitionNode: (SCALAR, False), ScalarTypeExtensionNode: (SCALAR, True),
}
_PLUMBING_TYPES = frozenset({"_Service", "_Any", "_Entity", "FieldSet", "_FieldSet", "link__Import", "link__Purpose",
                             "federation__FieldSet", "federation__Scope", "federation__Policy",
                             "federation__ContextFieldValue"})
_PLUMBING_FIELDS = frozenset({"_service", "_entities"})
AUTH_DIRECTIVES = ("authenticated", "requiresScopes", "policy")
_ROOTS = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}


class SubgraphSyntaxError(Exception):
    def __init__(self, error: CompositionError) -> None:
        super().__init__(error.message)
        self.error = error


def parse_subgraph(name: str, url: str, sdl: str) -> Subgraph:
    """Read one subgraph; raises SubgraphSyntaxError (INVALID_GRAPHQL) when the SDL doesn't parse."""
    try:
        document = parse(sdl, no_location=False)
    except GraphQLSyntaxError as exc:
        raise SubgraphSyntaxError(CompositionError(
            "INVALID_GRAPHQL", f'[{name}] {exc.message}', (name,))) from None
    try:
        links = read_schema_links(document)
    except LinkError as exc:
        raise SubgraphSyntaxError(CompositionError("INVALID_LINK_DIRECTIVE_USAGE", f"[{name}] {exc}", (name,))) from None
    reader = _Reader(name, links)
    sub = Subgraph(name=name, url=url, fed2=links.fed2)
    renames = reader.root_renames(document)
    reader.composed_directives(document, sub)
    for node in document.definitions:
        kind_ext = _KINDS.get(type(node))
        if kind_ext is None or not isinstance(node, (TypeDefinitionNode, TypeExtensionNode)):
            continue
        kind, is_ext = kind_ext
        type_name = renames.get(node.name.value, node.name.value)
        if type_name in _PLUMBING_TYPES or type_name.startswith(("federation__", "link__")):
            continue
        t = sub.types.get(type_name)
        if t is None:
            t = sub.types[type_name] = Type(name=type_name, kind=kind, extension=True)
        elif t.kind != kind:
            raise SubgraphSyntaxError(CompositionError(
                "INVALID_GRAPHQL", f'[{name}] type "{type_name}" is defined as both {t.kind} and {kind}', (name,), type_name))
        if not is_ext:
            t.extension = False
        reader.read_type(node, t, renames)
    if "Query" in sub.types and sub.types["Query"].kind == OBJECT and not sub.types["Query"].fields:
        del sub.types["Query"]
    return sub


class _Reader:
    def __init__(self, subgraph: str, links: SchemaLinks) -> None:
        self.subgraph = subgraph
        self.links = links
        self.fed = {spec: local for spec, local in links.directives.items()}
        self.composed: set[str] = set()

    def root_renames(self, document: Any) -> dict[str, str]:
        renames: dict[str, str] = {}
        for node in document.definitions:
            if isinstance(node, (SchemaDefinitionNode, SchemaExtensionNode)):
                for op in node.operation_types or ():
                    renames[op.type.name.value] = _ROOTS[op.operation.value]
        return renames

    def composed_directives(self, document: Any, sub: Subgraph) -> None:
        """@composeDirective(name: "@x"): keep @x's definition and applications in the supergraph."""
        wanted: set[str] = set()
        for node in document.definitions:
            if isinstance(node, (SchemaDefinitionNode, SchemaExtensionNode)):
                for d in node.directives or ():
                    if d.name.value == self.fed["composeDirective"]:
                        for a in d.arguments or ():
                            if a.name.value == "name" and isinstance(a.value, StringValueNode):
                                wanted.add(a.value.value.lstrip("@"))
        if not wanted:
            return
        for node in document.definitions:
            if isinstance(node, DirectiveDefinitionNode) and node.name.value in wanted:
                link_url = None
                for url, imports in self.links.others.items():
                    if "@" + node.name.value in imports.values():
                        link_url = url
                sub.composed[node.name.value] = (print_ast(_strip_description(node)), link_url)
        self.composed = wanted

    def directives(self, node: Any) -> dict[str, list[Any]]:
        found: dict[str, list[Any]] = {}
        for d in node.directives or ():
            found.setdefault(d.name.value, []).append(d)
        return found

    def has(self, found: dict[str, list[Any]], spec: str) -> bool:
        return self.fed[spec] in found

    def arg(self, found: dict[str, list[Any]], spec: str, arg: str) -> Any:
        for d in found.get(self.fed[spec], ()):
            for a in d.arguments or ():
                if a.name.value == arg:
                    return a.value.value if hasattr(a.value, "value") else print_ast(a.value)
        return None

    def applied(self, found: dict[str, list[Any]]) -> list[Applied]:
        out: list[Applied] = []
        for d in found.get(self.fed["tag"], ()):
            out.append(Applied("tag", _args(d)))
        for d in found.get("deprecated", ()):
            out.append(Applied("deprecated", _args(d)))
        for spec in AUTH_DIRECTIVES:  # carried under their spec names, linked by the printer
            for d in found.get(self.fed[spec], ()):
                out.append(Applied(spec, _args(d)))
        for name in sorted(self.composed):
            for d in found.get(name, ()):
                out.append(Applied(name, _args(d)))
        return out

    def read_type(self, node: Any, t: Type, renames: dict[str, str]) -> None:
        found = self.directives(node)
        description = getattr(node, "description", None)
        if description is not None and t.description is None:
            t.description = description.value
        extends = self.has(found, "extends") or isinstance(node, _EXTENSIONS)
        if self.has(found, "extends"):
            t.extension = True
        for d in found.get(self.fed["key"], ()):
            args = {a.name.value: a.value for a in d.arguments or ()}
            fields = args.get("fields")
            resolvable = args.get("resolvable")
            t.keys.append(Key(
                fields=fields.value if isinstance(fields, StringValueNode) else "",
                resolvable=not (resolvable is not None and getattr(resolvable, "value", True) is False),
                extension=extends))
        t.shareable |= self.has(found, "shareable")
        t.inaccessible |= self.has(found, "inaccessible")
        t.interface_object |= self.has(found, "interfaceObject")
        t.applied.extend(self.applied(found))
        if self.has(found, "external"):  # Fed 1: @external on the type applies to all its fields
            type_external = True
        else:
            type_external = False
        for i in getattr(node, "interfaces", None) or ():
            if i.name.value not in t.interfaces:
                t.interfaces.append(i.name.value)
        for m in getattr(node, "types", None) or ():
            if m.name.value not in t.members:
                t.members.append(m.name.value)
        for v in getattr(node, "values", None) or ():
            vf = self.directives(v)
            t.values[v.name.value] = EnumValue(
                name=v.name.value, description=_desc(v),
                inaccessible=self.has(vf, "inaccessible"), applied=self.applied(vf))
        for f in getattr(node, "fields", None) or ():
            if t.name == "Query" and f.name.value in _PLUMBING_FIELDS:
                continue
            if f.name.value in t.fields:
                raise SubgraphSyntaxError(CompositionError(
                    "INVALID_GRAPHQL", f'[{self.subgraph}] field "{t.name}.{f.name.value}" is defined twice',
                    (self.subgraph,), f"{t.name}.{f.name.value}"))
            t.fields[f.name.value] = self.read_field(f, renames, type_external)

    def read_field(self, f: Any, renames: dict[str, str], type_external: bool) -> Field:
        found = self.directives(f)
        field = Field(
            name=f.name.value, type=_type_text(f.type, renames),
            description=_desc(f),
            shareable=self.has(found, "shareable"),
            external=self.has(found, "external") or type_external,
            requires=self.arg(found, "requires", "fields"),
            provides=self.arg(found, "provides", "fields"),
            override=self.arg(found, "override", "from"),
            override_label=self.arg(found, "override", "label"),
            inaccessible=self.has(found, "inaccessible"),
            applied=self.applied(found),
        )
        default = getattr(f, "default_value", None)
        if default is not None:
            field.default = print_ast(default)
        for a in getattr(f, "arguments", None) or ():
            af = self.directives(a)
            field.args[a.name.value] = Argument(
                name=a.name.value, type=_type_text(a.type, renames),
                default=print_ast(a.default_value) if a.default_value is not None else None,
                description=_desc(a),
                inaccessible=self.has(af, "inaccessible"), applied=self.applied(af))
        return field


_EXTENSIONS = (ObjectTypeExtensionNode, InterfaceTypeExtensionNode, UnionTypeExtensionNode, EnumTypeExtensionNode,
               InputObjectTypeExtensionNode, ScalarTypeExtensionNode)


def _args(directive: Any) -> str:
    if not directive.arguments:
        return ""
    return "(" + ", ".join(f"{a.name.value}: {print_ast(a.value)}" for a in directive.arguments) + ")"


def _type_text(node: Any, renames: dict[str, str]) -> str:
    kind = node.kind
    if kind == "non_null_type":
        return _type_text(node.type, renames) + "!"
    if kind == "list_type":
        return "[" + _type_text(node.type, renames) + "]"
    return renames.get(node.name.value, node.name.value)


def _strip_description(node: DirectiveDefinitionNode) -> DirectiveDefinitionNode:
    return DirectiveDefinitionNode(name=node.name, arguments=node.arguments, repeatable=node.repeatable,
                                   locations=node.locations, description=None)


def _desc(node: Any) -> str | None:
    description = getattr(node, "description", None)
    return description.value if description is not None else None
