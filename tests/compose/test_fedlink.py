"""Subgraph `@link`s are read by the shared reader (bff_common.link): renamed imports,
prefixes and a renamed link spec resolve the same way they do in supergraphs, and a
malformed `@link` is a composition error naming the subgraph, not a crash."""

from __future__ import annotations

from graphql import parse

from discovery.compose import SubgraphInput, compose_supergraph
from discovery.compose.fedlink import read_schema_links

RENAMED = '''
extend schema
  @lnk(url: "https://specs.apollo.dev/link/v1.0", as: "lnk")
  @lnk(url: "https://specs.apollo.dev/federation/v2.3", as: "fed", import: [{name: "@key", as: "@primaryKey"}])
  @lnk(url: "https://example.com/custom/v1.0", import: ["@custom"])
'''


def test_renamed_link_and_federation_names() -> None:
    links = read_schema_links(parse(RENAMED + "type Query { a: Int }"))
    assert links.fed2 and links.version == "v2.3"
    assert links.directives["key"] == "primaryKey" and links.directives["shareable"] == "fed__shareable"
    assert links.others == {"https://example.com/custom/v1.0": {"@custom": "@custom"}}


def test_implicit_link_spec_and_fed1() -> None:
    fed2 = read_schema_links(parse('extend schema @link(url: "https://specs.apollo.dev/federation/v2.0", '
                                   'import: ["@key"]) type Query { a: Int }'))
    assert fed2.fed2 and fed2.directives["key"] == "key" and fed2.directives["external"] == "federation__external"
    fed1 = read_schema_links(parse("type Query { a: Int }"))
    assert not fed1.fed2 and fed1.directives["key"] == "key"


def test_renamed_key_composes_an_entity_across_subgraphs() -> None:
    users = RENAMED + 'type Query { me: User } type User @primaryKey(fields: "id") { id: ID! name: String }'
    reviews = ('extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n'
               'type User @key(fields: "id") { id: ID! reviews: [String] }')
    result = compose_supergraph([SubgraphInput("users", "http://u", users),
                                 SubgraphInput("reviews", "http://r", reviews)])
    assert result.ok, [str(e) for e in result.errors]
    assert '@join__type(graph: USERS, key: "id")' in result.supergraph


def test_malformed_link_import_is_a_composition_error() -> None:
    sdl = ('extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: [{as: "@k"}])\n'
           "type Query { a: Int }")
    result = compose_supergraph([SubgraphInput("broken", "http://b", sdl)])
    assert not result.ok
    assert [(e.code, e.subgraphs) for e in result.errors] == [("INVALID_LINK_DIRECTIVE_USAGE", ("broken",))]
    assert "import object needs a string `name`" in result.errors[0].message
