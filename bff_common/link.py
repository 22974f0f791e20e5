"""Read a supergraph's `@link` (or Federation 1 `@core`) applications.

A supergraph names every spec it uses on its schema definition:

    schema
      @link(url: "https://specs.apollo.dev/link/v1.0")
      @link(url: "https://specs.apollo.dev/join/v0.3", as: "j", for: EXECUTION)
      @link(url: "https://specs.apollo.dev/inaccessible/v0.2", import: [{name: "@inaccessible", as: "@hidden"}])
      @link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@listSize"])

Each link is a *feature*.  The elements that belong to a feature are

* the types and directives named `<nameInSchema>__<anything>` (`j__Graph`, `@j__field`),
* the directive named exactly `<nameInSchema>` (`@inaccessible`, `@link`, `@tag`),
* whatever the link imports, under its local name (`@hidden`, `@listSize`).

`nameInSchema` is the link's `as:` or, without one, the spec's name (the URL
path segment before the version).  The link spec itself is found by
bootstrapping: the schema directive whose `url:` is the link spec and whose
own name is that link's `as:` (default `link`).  Federation 1 supergraphs use
`@core(feature: ...)` the same way (core spec v0.1/v0.2, no imports).

Subgraphs usually skip the bootstrap (`extend schema @link(url: ".../federation/v2.3")`):
`read_links(document, implicit_link=True)` then reads every `@link` as link v1.0,
as Apollo's subgraph library does.  The gateway reads supergraphs, where the
bootstrap is required; the composer (discovery/compose/fedlink.py) reads subgraphs.

Only the graphql-core AST is used; nothing here builds a schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from graphql.language import (
    DirectiveNode,
    DocumentNode,
    EnumValueNode,
    ListValueNode,
    ObjectValueNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    ValueNode,
)

LINK_IDENTITY = "https://specs.apollo.dev/link"
CORE_IDENTITY = "https://specs.apollo.dev/core"
JOIN_IDENTITY = "https://specs.apollo.dev/join"
INACCESSIBLE_IDENTITY = "https://specs.apollo.dev/inaccessible"
TAG_IDENTITY = "https://specs.apollo.dev/tag"
# bff's own spec for plain services' lookup fields (discovery/compose/README.md).
LOOKUP_IDENTITY = "https://specs.bff.dev/lookup"

_VERSION = re.compile(r"^v\d+\.\d+$")


class LinkError(ValueError):
    """A `@link` / `@core` application that cannot be read."""


@dataclass(frozen=True, slots=True)
class FeatureUrl:
    """`https://specs.apollo.dev/join/v0.3` -> identity `https://specs.apollo.dev/join`,
    name `join`, version `v0.3`."""

    url: str
    identity: str
    name: str
    version: str | None

    @classmethod
    def parse(cls, url: str) -> FeatureUrl:
        base = url.split("#", 1)[0].split("?", 1)[0].rstrip("/")
        parts = base.split("/")
        version = None
        if len(parts) > 1 and _VERSION.match(parts[-1]):
            version = parts[-1]
            parts = parts[:-1]
        identity = "/".join(parts)
        name = parts[-1] if parts else ""
        return cls(url=url, identity=identity, name=name, version=version)

    @property
    def version_tuple(self) -> tuple[int, int] | None:
        if self.version is None:
            return None
        major, minor = self.version[1:].split(".")
        return int(major), int(minor)


@dataclass(slots=True)
class Feature:
    """One linked spec and the names its elements have in this schema."""

    url: FeatureUrl
    name_in_schema: str
    purpose: str | None = None  # "SECURITY" / "EXECUTION" / None
    # Imports: name in the spec -> local name; directives keep their "@" ("@key" -> "@k").
    imports: dict[str, str] = field(default_factory=dict)
    # How it was linked: "link" or "core" (the directive's name in the spec, not its alias).
    via: str = "link"
    _locals: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._locals = frozenset(self.imports.values())

    @property
    def identity(self) -> str:
        return self.url.identity

    def directive_name(self, name_in_spec: str) -> str:
        """Local name of the spec's directive `name_in_spec` (without "@")."""
        local = self.imports.get("@" + name_in_spec)
        if local is not None:
            return local[1:]
        if name_in_spec == self.url.name:
            return self.name_in_schema
        return f"{self.name_in_schema}__{name_in_spec}"

    def type_name(self, name_in_spec: str) -> str:
        """Local name of the spec's type `name_in_spec`."""
        local = self.imports.get(name_in_spec)
        if local is not None:
            return local
        return f"{self.name_in_schema}__{name_in_spec}"

    def owns_directive(self, local_name: str) -> bool:
        return (
            local_name == self.name_in_schema
            or local_name.startswith(self.name_in_schema + "__")
            or ("@" + local_name) in self._locals
        )

    def owns_type(self, local_name: str) -> bool:
        return local_name.startswith(self.name_in_schema + "__") or local_name in self._locals


@dataclass(slots=True)
class Links:
    """All features linked by a schema, with lookups by identity and by local name."""

    features: list[Feature]
    # The link (or core) feature itself, if the schema is a core schema.
    link: Feature | None
    _directive_owner: dict[str, Feature] = field(default_factory=dict, repr=False)
    _type_owner: dict[str, Feature] = field(default_factory=dict, repr=False)
    _prefix_owner: dict[str, Feature] = field(default_factory=dict, repr=False)
    _by_identity: dict[str, Feature] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for feature in self.features:
            self._by_identity.setdefault(feature.identity, feature)
            self._prefix_owner.setdefault(feature.name_in_schema, feature)
            self._directive_owner.setdefault(feature.name_in_schema, feature)
            for local in feature.imports.values():
                if local.startswith("@"):
                    self._directive_owner.setdefault(local[1:], feature)
                else:
                    self._type_owner.setdefault(local, feature)

    @property
    def is_core_schema(self) -> bool:
        return self.link is not None

    def get(self, identity: str) -> Feature | None:
        """The feature linked for a spec identity, e.g. `INACCESSIBLE_IDENTITY`."""
        return self._by_identity.get(identity)

    def directive_name(self, identity: str, name_in_spec: str) -> str | None:
        """Local name of a spec directive, or None if the spec isn't linked."""
        feature = self._by_identity.get(identity)
        return feature.directive_name(name_in_spec) if feature else None

    def type_name(self, identity: str, name_in_spec: str) -> str | None:
        feature = self._by_identity.get(identity)
        return feature.type_name(name_in_spec) if feature else None

    def directive_owner(self, local_name: str) -> Feature | None:
        """The feature a directive (by its name in this schema) belongs to, if any."""
        owner = self._directive_owner.get(local_name)
        if owner is not None:
            return owner
        return self._prefix_of(local_name)

    def type_owner(self, local_name: str) -> Feature | None:
        """The feature a named type (by its name in this schema) belongs to, if any."""
        owner = self._type_owner.get(local_name)
        if owner is not None:
            return owner
        return self._prefix_of(local_name)

    def _prefix_of(self, local_name: str) -> Feature | None:
        cut = local_name.find("__")
        while cut > 0:
            owner = self._prefix_owner.get(local_name[:cut])
            if owner is not None:
                return owner
            cut = local_name.find("__", cut + 2)
        return None


def _string(value: ValueNode | None) -> str | None:
    if isinstance(value, StringValueNode):
        return value.value
    return None


def _args(directive: DirectiveNode) -> dict[str, ValueNode]:
    return {a.name.value: a.value for a in directive.arguments or ()}


def _parse_imports(value: ValueNode | None, where: str) -> dict[str, str]:
    imports: dict[str, str] = {}
    if value is None:
        return imports
    items: Iterable[ValueNode] = value.values if isinstance(value, ListValueNode) else (value,)
    for item in items:
        if isinstance(item, StringValueNode):
            name, alias = item.value, item.value
        elif isinstance(item, ObjectValueNode):
            fields = {f.name.value: f.value for f in item.fields}
            named = _string(fields.get("name"))
            if named is None:
                raise LinkError(f"{where}: an import object needs a string `name`")
            name = named
            alias = _string(fields.get("as")) or name
        else:
            raise LinkError(f"{where}: unsupported import value")
        if name.startswith("@") != alias.startswith("@"):
            raise LinkError(f"{where}: import {name!r} cannot be renamed to {alias!r} (directive vs type)")
        imports[name] = alias
    return imports


def _schema_directives(document: DocumentNode) -> list[DirectiveNode]:
    out: list[DirectiveNode] = []
    for definition in document.definitions:
        if isinstance(definition, (SchemaDefinitionNode, SchemaExtensionNode)):
            out.extend(definition.directives or ())
    return out


def read_links(document: DocumentNode, *, implicit_link: bool = False) -> Links:
    """Find the link (or core) bootstrap and every feature it links.

    Without a bootstrap the schema links nothing, unless `implicit_link`: then the
    `@link` applications are read as link v1.0 (a subgraph's usual spelling)."""
    applications = _schema_directives(document)

    # Bootstrap: which directive name plays @link / @core here?
    via = None
    link_name = None
    for app in applications:
        args = _args(app)
        for key, identity, kind in (("url", LINK_IDENTITY, "link"), ("feature", CORE_IDENTITY, "core")):
            url = _string(args.get(key))
            if url is None:
                continue
            parsed = FeatureUrl.parse(url)
            if parsed.identity != identity:
                continue
            own_name = _string(args.get("as")) or parsed.name
            if own_name == app.name.value:
                via, link_name = kind, own_name
                break
        if via:
            break
    if via is None:
        if not implicit_link:
            return Links(features=[], link=None)
        via, link_name = "link", "link"

    url_arg = "url" if via == "link" else "feature"
    features: list[Feature] = []
    link_feature: Feature | None = None
    for app in applications:
        if app.name.value != link_name:
            continue
        args = _args(app)
        url = _string(args.get(url_arg))
        if url is None:
            raise LinkError(f"@{link_name} without a string `{url_arg}:` argument")
        parsed = FeatureUrl.parse(url)
        name_in_schema = _string(args.get("as")) or parsed.name
        purpose_node = args.get("for")
        purpose = purpose_node.value if isinstance(purpose_node, EnumValueNode) else None
        imports = _parse_imports(args.get("import"), f"@{link_name}(url: {url!r})")
        feature = Feature(url=parsed, name_in_schema=name_in_schema, purpose=purpose, imports=imports, via=via)
        features.append(feature)
        if parsed.identity in (LINK_IDENTITY, CORE_IDENTITY) and name_in_schema == link_name:
            link_feature = feature
    return Links(features=features, link=link_feature)
