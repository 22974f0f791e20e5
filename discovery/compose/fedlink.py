"""Which local names a subgraph uses for the federation directives.

A Fed 2 subgraph links `https://specs.apollo.dev/federation/v2.x` and imports
directives, possibly renamed (`{name: "@key", as: "@primaryKey"}`); what it doesn't
import is spelled `@federation__key` (or `@<as>__key`). A subgraph without that link
is Fed 1 (or a plain GraphQL service): the directives go by their plain names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql.language import DocumentNode, ListValueNode, ObjectValueNode, SchemaDefinitionNode, SchemaExtensionNode, StringValueNode

FEDERATION_IDENTITY = "https://specs.apollo.dev/federation"
LINK_IDENTITY = "https://specs.apollo.dev/link"
FED_DIRECTIVES = ("key", "external", "requires", "provides", "shareable", "override", "inaccessible", "tag",
                  "extends", "interfaceObject", "composeDirective", "authenticated", "requiresScopes",
                  "policy", "context", "fromContext", "cost", "listSize")


@dataclass
class SchemaLinks:
    """The federation names of one subgraph and the other specs it links."""

    fed2: bool
    version: str | None
    # spec directive name ("key") -> local name ("key", "primaryKey", "federation__key")
    directives: dict[str, str]
    # other links: url -> {spec name ("@myDirective") -> local name}
    others: dict[str, dict[str, str]] = field(default_factory=dict)
    link_name: str = "link"

    def local(self, spec_name: str) -> str:
        return self.directives[spec_name]

    def spec_name_of(self, local: str) -> str | None:
        for spec, name in self.directives.items():
            if name == local:
                return spec
        return None


def _imports(value: object) -> dict[str, str]:
    out: dict[str, str] = {}
    items = value.values if isinstance(value, ListValueNode) else ([value] if value is not None else [])
    for item in items:
        if isinstance(item, StringValueNode):
            out[item.value] = item.value
        elif isinstance(item, ObjectValueNode):
            fields = {f.name.value: f.value for f in item.fields}
            name = fields.get("name")
            alias = fields.get("as")
            if isinstance(name, StringValueNode):
                out[name.value] = alias.value if isinstance(alias, StringValueNode) else name.value
    return out


def read_schema_links(document: DocumentNode) -> SchemaLinks:
    """Find the federation link (if any) and resolve every federation directive's local name."""
    fed_url = None
    fed_as = None
    fed_imports: dict[str, str] = {}
    others: dict[str, dict[str, str]] = {}
    link_name = "link"
    for definition in document.definitions:
        if not isinstance(definition, (SchemaDefinitionNode, SchemaExtensionNode)):
            continue
        for directive in definition.directives or ():
            args = {a.name.value: a.value for a in directive.arguments or ()}
            url = args.get("url")
            if not isinstance(url, StringValueNode):
                continue
            base = url.value.rstrip("/")
            identity, _, version = base.rpartition("/")
            if identity == LINK_IDENTITY:
                alias = args.get("as")
                link_name = alias.value if isinstance(alias, StringValueNode) else directive.name.value
                continue
            if identity == FEDERATION_IDENTITY:
                fed_url = version
                alias = args.get("as")
                fed_as = alias.value if isinstance(alias, StringValueNode) else "federation"
                fed_imports = _imports(args.get("import"))
            else:
                others[url.value] = _imports(args.get("import"))
    if fed_url is None:
        return SchemaLinks(fed2=False, version=None, directives={d: d for d in FED_DIRECTIVES}, others=others)
    names = {}
    for d in FED_DIRECTIVES:
        imported = fed_imports.get("@" + d)
        names[d] = imported[1:] if imported else f"{fed_as}__{d}"
    return SchemaLinks(fed2=True, version=fed_url, directives=names, others=others, link_name=link_name)
