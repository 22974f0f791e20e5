"""Each kind of subgraph set that doesn't compose is refused with a specific error code,
naming the subgraphs and the schema coordinate at fault."""

from __future__ import annotations

import pytest

from discovery.compose import SubgraphInput, compose_supergraph
from tests.compose.cases import REFUSED, fed2, subs


def _compose(subgraphs: list[dict]):
    return compose_supergraph([SubgraphInput(s["name"], s["url"], s["sdl"]) for s in subgraphs])


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_with_code_and_coordinate(case):
    subgraphs, code, coordinate = REFUSED[case]
    result = _compose(subgraphs)
    assert not result.ok and result.supergraph is None
    matching = [e for e in result.errors if e.code == code]
    assert matching, [str(e) for e in result.errors]
    if coordinate is not None:
        assert coordinate in {e.coordinate for e in matching}, [(e.code, e.coordinate) for e in result.errors]
    assert all(set(e.subgraphs) <= {s["name"] for s in subgraphs} and e.subgraphs for e in matching)


def test_invalid_subgraph_name():
    result = compose_supergraph([SubgraphInput("9lives", "http://x", "type Query { a: Int }")])
    assert [e.code for e in result.errors] == ["INVALID_SUBGRAPH_NAME"]
    assert result.errors[0].subgraphs == ("9lives",)


def test_duplicate_subgraph_name():
    result = compose_supergraph([SubgraphInput("a", "http://x", "type Query { a: Int }"),
                                 SubgraphInput("a", "http://y", "type Query { b: Int }")])
    assert [e.code for e in result.errors] == ["DUPLICATE_SUBGRAPH_NAME"]


def test_shareable_fields_and_nullability_differences_compose():
    result = _compose(subs(
        a=fed2("key", "shareable") + 'type Query { a: T @shareable }\ntype T @key(fields: "id") { id: ID! v: Int! @shareable }',
        b=fed2("key", "shareable") + 'type Query { a: T @shareable }\ntype T @key(fields: "id") { id: ID! v: Int @shareable }'))
    assert result.ok, result.errors
    assert "v: Int @join__field(graph: A, type: \"Int!\") @join__field(graph: B, type: \"Int\")" in result.supergraph


def test_override_lets_a_field_move_without_shareable():
    result = _compose(subs(
        a=fed2("key") + 'type Query { a: T }\ntype T @key(fields: "id") { id: ID! v: Int }',
        b=fed2("key", "override") + 'type T @key(fields: "id") { id: ID! v: Int @override(from: "a") }'))
    assert result.ok, result.errors
    assert 'v: Int @join__field(graph: B, override: "a")' in result.supergraph
