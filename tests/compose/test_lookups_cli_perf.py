"""Plain-service lookups in the supergraph, the `bff compose` command, and composition speed."""

from __future__ import annotations

import json
import time

from bff_common.api_schema import build_api_schema
from discovery.compose import Lookup, SubgraphInput, compose_supergraph
from discovery.compose.cli import main as compose_main
from gateway.supergraph.reader import read_supergraph
from tests.compose.cases import fed2

PLAIN = "type Query { userById(id: ID!): User users: [User!]! }\ntype User { id: ID! name: String! }"
FED = fed2("key") + 'type Query { me: User }\ntype User @key(fields: "id") { id: ID! karma: Int }'


def test_lookup_becomes_a_key_and_a_bff_lookup_directive():
    result = compose_supergraph([
        SubgraphInput("legacy", "http://legacy", PLAIN, (Lookup("User", "userById", {"id": "id"}),)),
        SubgraphInput("karma", "http://karma", FED)])
    assert result.ok, result.errors
    sg = read_supergraph(result.supergraph)
    assert [k.text for k in sg.types["User"].graphs["LEGACY"].keys] == ["id"]
    assert '@bff__lookup(graph: LEGACY, field: "userById", arguments: "{\\"id\\": \\"id\\"}")' in result.supergraph
    assert "bff__" not in str(build_api_schema(result.supergraph).type_map)


def test_lookup_on_a_missing_field_is_refused():
    result = compose_supergraph([SubgraphInput("legacy", "http://legacy", PLAIN, (Lookup("User", "byId", {"id": "id"}),))])
    assert [(e.code, e.coordinate) for e in result.errors] == [("INVALID_LOOKUP", "Query.byId")]


def test_cli_writes_supergraph_and_reports_errors(tmp_path, capsys):
    (tmp_path / "karma.graphql").write_text(FED)
    config = tmp_path / "subgraphs.json"
    config.write_text(json.dumps([{"name": "karma", "url": "http://karma", "sdl_file": "karma.graphql"},
                                  {"name": "legacy", "url": "http://legacy", "sdl": PLAIN,
                                   "lookups": [{"type": "User", "field": "userById", "arguments": {"id": "id"}}]}]))
    out = tmp_path / "supergraph.graphql"
    assert compose_main(["--config", str(config), "-o", str(out)]) == 0
    assert "LEGACY @join__graph" in out.read_text()
    (tmp_path / "bad.graphql").write_text(fed2("key") + "type Query { me: String }")
    assert compose_main(["--subgraph", f"karma=http://k={tmp_path / 'karma.graphql'}",
                         "--subgraph", f"bad=http://b={tmp_path / 'bad.graphql'}"]) == 1
    assert "INVALID_FIELD_SHARING (Query.me)" in capsys.readouterr().err


def _chain(n: int) -> list[SubgraphInput]:
    """n subgraphs, each owning an entity and extending its neighbour's."""
    out = []
    for i in range(n):
        j = (i + 1) % n
        sdl = fed2("key", "shareable") + (
            f'type Query {{ t{i}: [T{i}!]! }}\n'
            f'type T{i} @key(fields: "id") {{ id: ID! name: String! score: Int next: T{j} '
            + " ".join(f"f{k}(arg: Int = 1): String" for k in range(20)) + " }\n"
            f'type T{j} @key(fields: "id") {{ id: ID! extra{i}: Int }}\n'
            f'type Shared @shareable {{ a: Int b: String }}\nenum Color {{ RED GREEN }}\n')
        out.append(SubgraphInput(f"s{i}", f"http://s{i}", sdl))
    return out


def test_composition_is_fast():
    for n, budget in ((5, 0.1), (50, 1.0)):
        inputs = _chain(n)
        start = time.perf_counter()
        result = compose_supergraph(inputs)
        elapsed = time.perf_counter() - start
        assert result.ok, result.errors[:3]
        assert elapsed < budget, f"{n} subgraphs took {elapsed:.3f}s"
