"""Federation 1 subgraphs and plain GraphQL services compose under Fed 1 rules."""

from __future__ import annotations

from discovery.compose import SubgraphInput, compose_supergraph
from gateway.supergraph.reader import read_supergraph
from tests.compose.cases import COMPOSABLE


def _compose(case: str):
    return compose_supergraph([SubgraphInput(s["name"], s["url"], s["sdl"]) for s in COMPOSABLE[case]])


def test_fed1_extension_key_is_resolvable_and_value_types_are_shared():
    result = _compose("fed1-extends-and-value-types")
    assert result.ok, result.errors
    sg = read_supergraph(result.supergraph)
    product = sg.types["Product"]
    assert product.graphs["REVIEWS"].extension and product.graphs["REVIEWS"].keys[0].text == "upc"
    assert product.fields["upc"].resolvable_in == {"PRODUCTS", "REVIEWS"}
    assert sg.types["Money"].fields["amount"].resolvable_in == {"PRODUCTS", "REVIEWS"}


def test_plain_service_types_are_value_types():
    result = _compose("plain-graphql-service")
    assert result.ok, result.errors
    sg = read_supergraph(result.supergraph)
    assert sg.types["Query"].fields["forecast"].resolvable_in == {"WEATHER"}
    assert not sg.types["Forecast"].graphs["WEATHER"].keys


def test_input_object_takes_the_fields_common_to_all_subgraphs():
    result = _compose("input-intersection")
    assert result.ok, result.errors
    assert "input Filter" in result.supergraph
    block = result.supergraph.split("input Filter", 1)[1].split("}", 1)[0]
    assert "x: Int!" in block and "y:" not in block and "z:" not in block
