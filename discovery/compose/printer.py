"""Print the merged model as a supergraph SDL in Apollo's format (link v1.0, join v0.3,
plus inaccessible v0.2 / tag v0.3 / bff lookup when used), laid out like the reference
composers' output so diffs against them stay readable."""

from __future__ import annotations

from graphql.language import StringValueNode, print_ast
from graphql.language.block_string import print_block_string

from .model import ENUM, INPUT, INTERFACE, OBJECT, SCALAR, UNION
from .supermodel import JoinField, JoinType, SArgument, SField, SType, Supergraph

LOOKUP_URL = "https://specs.bff.dev/lookup/v0.1"
_AUTH_LOCATIONS = "FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM"
# Federation's access directives, as @apollo/composition links and defines them.
_AUTH_SPECS = {
    "authenticated": ("https://specs.apollo.dev/authenticated/v0.1", f"directive @authenticated on {_AUTH_LOCATIONS}",
                      None),
    "requiresScopes": ("https://specs.apollo.dev/requiresScopes/v0.1",
                       f"directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on {_AUTH_LOCATIONS}",
                       "scalar requiresScopes__Scope"),
    "policy": ("https://specs.apollo.dev/policy/v0.1",
               f"directive @policy(policies: [[policy__Policy!]!]!) on {_AUTH_LOCATIONS}", "scalar policy__Policy"),
}

_JOIN_DEFS = '''directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean{label}) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA'''

_INACCESSIBLE_DEF = ("directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | "
                     "SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION")
_TAG_DEF = ("directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | "
            "ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA")
_LOOKUP_DEF = "directive @bff__lookup(graph: join__Graph!, field: String!, arguments: String!) repeatable on OBJECT | INTERFACE"

_LINK_TYPES = '''scalar link__Import

enum link__Purpose {
  """
  `SECURITY` features provide metadata necessary to securely resolve fields.
  """
  SECURITY

  """
  `EXECUTION` features provide metadata necessary for operation execution.
  """
  EXECUTION
}'''


def s(value: str) -> str:
    """A GraphQL string literal."""
    return print_ast(StringValueNode(value=value))


def print_supergraph(sg: Supergraph) -> str:
    uses_inaccessible = _uses(sg, lambda x: getattr(x, "inaccessible", False))
    uses_tag = _uses(sg, lambda x: any(a.name == "tag" for a in getattr(x, "applied", ())))
    uses_lookup = any(t.lookups for t in sg.types.values())
    join_version = "v0.4" if sg.uses_override_label else "v0.3"
    auth = [name for name in _AUTH_SPECS
            if _uses(sg, lambda x, n=name: any(a.name == n for a in getattr(x, "applied", ())))]
    links = ['@link(url: "https://specs.apollo.dev/link/v1.0")',
             f'@link(url: "https://specs.apollo.dev/join/{join_version}", for: EXECUTION)']
    if uses_inaccessible:
        links.append('@link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)')
    if uses_tag:
        links.append('@link(url: "https://specs.apollo.dev/tag/v0.3")')
    if uses_lookup:
        links.append(f'@link(url: "{LOOKUP_URL}", as: "bff", for: EXECUTION)')
    links += [f'@link(url: "{_AUTH_SPECS[name][0]}", for: SECURITY)' for name in auth]
    composed_links: list[str] = []
    for _name, (_, url) in sorted(sg.composed.items()):
        if url and url not in composed_links:
            composed_links.append(url)
    for url in composed_links:
        imports = [f'"@{n}"' for n, (_, u) in sorted(sg.composed.items()) if u == url]
        links.append(f'@link(url: {s(url)}, import: [{", ".join(imports)}])')
    roots = [(op, name) for op, name in (("query", "Query"), ("mutation", "Mutation"), ("subscription", "Subscription"))
             if name in sg.types]
    out = ["schema\n" + "".join(f"  {link}\n" for link in links) + "{\n"
           + "".join(f"  {op}: {name}\n" for op, name in roots) + "}"]
    directives = []
    if uses_inaccessible:
        directives.append(_INACCESSIBLE_DEF)
    directives.append(_JOIN_DEFS.replace("{label}", ", overrideLabel: String" if sg.uses_override_label else ""))
    if uses_tag:
        directives.append(_TAG_DEF)
    if uses_lookup:
        directives.append(_LOOKUP_DEF)
    for _, (definition, _) in sorted(sg.composed.items()):
        directives.append(definition)
    directives += [_AUTH_SPECS[name][1] for name in auth]
    out.extend(directives)
    out += [spec for name in auth if (spec := _AUTH_SPECS[name][2])]
    out.append("scalar join__FieldSet")
    out.append("enum join__Graph {\n" + "".join(
        f"  {graph} @join__graph(name: {s(name)}, url: {s(url)})\n" for graph, name, url in sg.graphs) + "}")
    out.append(_LINK_TYPES)
    for name in sorted(sg.types):
        out.append(_print_type(sg.types[name]))
    return "\n\n".join(out) + "\n"


def _uses(sg: Supergraph, test) -> bool:
    for t in sg.types.values():
        if test(t):
            return True
        for f in t.fields.values():
            if test(f) or any(test(a) for a in f.args.values()):
                return True
        if any(test(v) for v in t.values.values()):
            return True
    return False


def _description(text: str | None, indent: str) -> str:
    if not text:
        return ""
    block = print_block_string(text)
    return "".join(f"{indent}{line}\n" if line else "\n" for line in block.split("\n"))


def _marks(x) -> str:
    parts = []
    if x.inaccessible:
        parts.append("@inaccessible")
    parts.extend(a.print() for a in x.applied)
    return "".join(" " + p for p in parts)


def _print_type(t: SType) -> str:
    keyword = {OBJECT: "type", INTERFACE: "interface", UNION: "union", ENUM: "enum", INPUT: "input", SCALAR: "scalar"}[t.kind]
    head = f"{keyword} {t.name}"
    if t.interfaces:
        head += " implements " + " & ".join(t.interfaces)
    directives = [f"@join__implements(graph: {g}, interface: {s(i)})" for g, i in t.implements]
    directives += [_join_type(j) for j in t.join_types]
    directives += [f"@bff__lookup(graph: {g}, field: {s(f)}, arguments: {s(a)})" for g, f, a in t.lookups]
    if t.inaccessible:
        directives.append("@inaccessible")
    directives += [a.print() for a in t.applied]
    text = _description(t.description, "") + head + "".join(f"\n  {d}" for d in directives)
    if t.kind == UNION:
        members = "".join(f"\n  @join__unionMember(graph: {g}, member: {s(m)})" for g, m in t.union_members)
        return text + members + (("\n  = " + " | ".join(t.members)) if t.members else "")
    if t.kind == SCALAR:
        return text
    body: list[str] = []
    if t.kind == ENUM:
        for v in t.values.values():
            joins = "".join(f" @join__enumValue(graph: {g})" for g in v.graphs)
            body.append(_description(v.description, "  ") + f"  {v.name}{_marks(v)}{joins}")
    else:
        for f in t.fields.values():
            body.append(_print_field(f, t.kind == INPUT))
    return text + "\n{\n" + "\n".join(body) + "\n}"


def _join_type(j: JoinType) -> str:
    args = [f"graph: {j.graph}"]
    if j.key is not None:
        args.append(f"key: {s(j.key)}")
    if j.extension:
        args.append("extension: true")
    if not j.resolvable:
        args.append("resolvable: false")
    if j.interface_object:
        args.append("isInterfaceObject: true")
    return f"@join__type({', '.join(args)})"


def _join_field(j: JoinField) -> str:
    args = []
    if j.graph is not None:
        args.append(f"graph: {j.graph}")
    if j.requires:
        args.append(f"requires: {s(j.requires)}")
    if j.provides:
        args.append(f"provides: {s(j.provides)}")
    if j.type:
        args.append(f"type: {s(j.type)}")
    if j.external:
        args.append("external: true")
    if j.override:
        args.append(f"override: {s(j.override)}")
    if j.used_overridden:
        args.append("usedOverridden: true")
    if j.override_label:
        args.append(f"overrideLabel: {s(j.override_label)}")
    return "@join__field" + (f"({', '.join(args)})" if args else "")


def _print_arg(a: SArgument) -> str:
    desc = (s(a.description) + " ") if a.description else ""
    default = f" = {a.default}" if a.default is not None else ""
    return f"{desc}{a.name}: {a.type}{default}{_marks(a)}"


def _print_field(f: SField, is_input: bool) -> str:
    args = f"({', '.join(_print_arg(a) for a in f.args.values())})" if f.args else ""
    default = f" = {f.default}" if f.default is not None else ""
    joins = "".join(" " + _join_field(j) for j in f.joins or ())
    return _description(f.description, "  ") + f"  {f.name}{args}: {f.type}{default}{_marks(f)}{joins}"
