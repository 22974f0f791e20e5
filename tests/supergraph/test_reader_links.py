"""The supergraph reader finds the join spec under whatever name @link gives it."""

from pathlib import Path

import pytest

from gateway.supergraph.reader import SupergraphError, read_supergraph

SUPERGRAPH = (Path(__file__).parents[2] / "services" / "supergraph.graphql").read_text()


def _summary(text: str) -> dict:
    sg = read_supergraph(text)
    return {
        "graphs": sorted((g.id, g.name, g.url) for g in sg.subgraphs.values()),
        "keys": sorted((t.name, g, k.text) for t in sg.types.values() for g, e in t.graphs.items() for k in e.keys),
        "resolvable": sorted((t.name, f.name, tuple(sorted(f.resolvable_in)))
                             for t in sg.types.values() for f in t.fields.values()),
    }


def test_renamed_join_spec_reads_the_same():
    assert 'join/v0.4", for: EXECUTION)' in SUPERGRAPH
    renamed = SUPERGRAPH.replace('join/v0.4", for: EXECUTION)', 'join/v0.4", as: "j", for: EXECUTION)')
    renamed = renamed.replace("join__", "j__")
    assert renamed.count("@j__field") > 10 and "join__" not in renamed
    assert _summary(renamed) == _summary(SUPERGRAPH)
    assert _summary(SUPERGRAPH)["keys"]  # the example graph has entities: the comparison is not vacuous


def test_a_subgraph_schema_is_not_a_supergraph():
    with pytest.raises(SupergraphError, match="no `join__Graph` enum"):
        read_supergraph("type Query { a: Int }")
