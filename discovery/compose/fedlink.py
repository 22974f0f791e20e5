"""Which local names a subgraph uses for the federation directives.

A Fed 2 subgraph links `https://specs.apollo.dev/federation/v2.x` and imports
directives, possibly renamed (`{name: "@key", as: "@primaryKey"}`); what it doesn't
import is spelled `@federation__key` (or `@<as>__key`). A subgraph without that link
is Fed 1 (or a plain GraphQL service): the directives go by their plain names.

The `@link` applications themselves are read by the one shared reader,
`bff_common.link` (the gateway reads supergraphs with it too).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql.language import DocumentNode

from bff_common.link import CORE_IDENTITY, LINK_IDENTITY, LinkError, read_links

FEDERATION_IDENTITY = "https://specs.apollo.dev/federation"
FED_DIRECTIVES = ("key", "external", "requires", "provides", "shareable", "override", "inaccessible", "tag",
                  "extends", "interfaceObject", "composeDirective", "authenticated", "requiresScopes",
                  "policy", "context", "fromContext", "cost", "listSize")

__all__ = ["FED_DIRECTIVES", "FEDERATION_IDENTITY", "LinkError", "SchemaLinks", "read_schema_links"]


@dataclass
class SchemaLinks:
    """The federation names of one subgraph and the other specs it links."""

    fed2: bool
    version: str | None
    # spec directive name ("key") -> local name ("key", "primaryKey", "federation__key")
    directives: dict[str, str]
    # other links: url -> {spec name ("@myDirective") -> local name}
    others: dict[str, dict[str, str]] = field(default_factory=dict)


def read_schema_links(document: DocumentNode) -> SchemaLinks:
    """Find the federation link (if any) and resolve every federation directive's local name.

    LinkError when a `@link` cannot be read (no string `url:`, a malformed `import:`)."""
    links = read_links(document, implicit_link=True)
    others = {f.url.url: dict(f.imports) for f in links.features
              if f.identity not in (LINK_IDENTITY, CORE_IDENTITY, FEDERATION_IDENTITY)}
    federation = links.get(FEDERATION_IDENTITY)
    if federation is None:
        return SchemaLinks(fed2=False, version=None, directives={d: d for d in FED_DIRECTIVES}, others=others)
    names = {d: federation.directive_name(d) for d in FED_DIRECTIVES}
    return SchemaLinks(fed2=True, version=federation.url.version, directives=names, others=others)
