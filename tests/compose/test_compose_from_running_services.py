"""`bff compose --service NAME=URL` asks each running service for its SDL."""

from __future__ import annotations

from gateway.cli import main
from gateway.supergraph.reader import read_supergraph
from services.catalog import SERVICES
from tests.support.asgi_server import serve_in_thread


def test_composes_the_example_services_from_their_urls(tmp_path, capsys):
    from contextlib import ExitStack

    out = tmp_path / "supergraph.graphql"
    with ExitStack() as stack:
        urls = {s.name: stack.enter_context(serve_in_thread(s.load_app())).graphql_url for s in SERVICES}
        code = main(["compose", *[f"--service={n}={u}" for n, u in urls.items()], "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    supergraph = read_supergraph(out.read_text())
    assert {s.name: s.url for s in supergraph.subgraphs.values()} == urls
    assert "averageRating" in supergraph.types["Course"].fields


def test_an_unreachable_service_is_one_line_and_exit_2(capsys):
    code = main(["compose", "--service", "accounts=http://127.0.0.1:9/graphql"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("bff compose: error:") and err.count("\n") == 1


def test_composes_from_a_json_file(tmp_path, capsys):
    import json

    from services.compose_examples import subgraph_inputs

    manifest = tmp_path / "subgraphs.json"
    manifest.write_text(json.dumps(subgraph_inputs()))
    out = tmp_path / "supergraph.graphql"
    assert main(["compose", str(manifest), "-o", str(out)]) == 0, capsys.readouterr().err
    assert sorted(s.name for s in read_supergraph(out.read_text()).subgraphs.values()) == \
        ["accounts", "courses", "enrollments", "reviews"]
