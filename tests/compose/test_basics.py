"""compose_supergraph on small hand-written subgraphs: the supergraph it prints is
read by the gateway and says which subgraph resolves what."""

from __future__ import annotations

from graphql import print_schema

from bff_common.api_schema import build_api_schema
from discovery.compose import SubgraphInput, compose_supergraph
from gateway.gateway import Gateway
from gateway.supergraph.reader import read_supergraph

FED2 = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@provides", "@requires"])\n'

ACCOUNTS = FED2 + """
type Query { me: User }
type User @key(fields: "id") { id: ID! name: String! }
"""
REVIEWS = FED2 + """
type Query { reviews: [Review!]! }
type Review { body: String! author: User! }
type User @key(fields: "id") { id: ID! reviews: [Review!]! }
"""


def compose(*subgraphs: tuple[str, str]) -> str:
    result = compose_supergraph([SubgraphInput(n, f"http://{n}/graphql", sdl) for n, sdl in subgraphs])
    assert result.ok, result.errors
    assert result.supergraph is not None
    return result.supergraph


def test_entity_split_over_two_subgraphs_is_planned_across_both():
    sdl = compose(("accounts", ACCOUNTS), ("reviews", REVIEWS))
    sg = read_supergraph(sdl)
    assert {g.name for g in sg.subgraphs.values()} == {"accounts", "reviews"}
    user = sg.types["User"]
    assert sorted(k.text for e in user.graphs.values() for k in e.keys) == ["id", "id"]
    assert user.fields["name"].resolvable_in == {"ACCOUNTS"}
    assert user.fields["reviews"].resolvable_in == {"REVIEWS"}
    plan = Gateway(sdl).explain("{ me { name reviews { body } } }")
    assert 'Fetch(service: "accounts")' in plan and 'Fetch(service: "reviews")' in plan


def test_api_schema_has_no_federation_plumbing():
    schema = print_schema(build_api_schema(compose(("accounts", ACCOUNTS), ("reviews", REVIEWS))))
    assert "join__" not in schema and "_entities" not in schema and "_Service" not in schema
    assert "me: User" in schema and "reviews: [Review!]!" in schema


def test_result_without_errors_is_ok_and_order_of_inputs_does_not_matter():
    assert compose(("accounts", ACCOUNTS), ("reviews", REVIEWS)) == compose(("reviews", REVIEWS), ("accounts", ACCOUNTS))
