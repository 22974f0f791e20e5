"""Which names the supergraph's spec features go by (`@link(url:, as:)`).

A supergraph may import the join spec under another prefix
(`@link(url: "https://specs.apollo.dev/join/v0.3", as: "j")`); Federation 1
era supergraphs say `@core(feature: ...)` instead of `@link(url: ...)`.
"""

from __future__ import annotations

from typing import Any


def feature_prefixes(document: Any) -> dict[str, str]:
    """Map a spec's identity ("join", "inaccessible", "link", ...) to the prefix it uses here."""
    from graphql.language import SchemaDefinitionNode, SchemaExtensionNode, StringValueNode

    prefixes: dict[str, str] = {}
    for definition in document.definitions:
        if not isinstance(definition, (SchemaDefinitionNode, SchemaExtensionNode)):
            continue
        for directive in definition.directives or ():
            if directive.name.value not in ("link", "core"):
                continue
            args = {a.name.value: a.value for a in directive.arguments or ()}
            url_node = args.get("url") or args.get("feature")
            if not isinstance(url_node, StringValueNode):
                continue
            identity = spec_identity(url_node.value)
            alias = args.get("as")
            prefixes[identity] = alias.value if isinstance(alias, StringValueNode) else identity
    prefixes.setdefault("join", "join")
    prefixes.setdefault("inaccessible", "inaccessible")
    return prefixes


def spec_identity(url: str) -> str:
    """`https://specs.apollo.dev/join/v0.3` -> "join"."""
    parts = [p for p in url.rstrip("/").split("/") if p]
    if len(parts) >= 2 and parts[-1].startswith("v"):
        return parts[-2]
    return parts[-1] if parts else url
