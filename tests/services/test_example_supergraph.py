"""services/supergraph.graphql is the composition of what the services serve today."""

from __future__ import annotations

import re

import pytest

from services import compose_examples
from services.catalog import SERVICES, subgraph_urls


@pytest.fixture(autouse=True)
def node_peers():
    if not compose_examples.NODE_MODULES.is_dir():
        from tests.support.requires import missing

        missing("tests/node/node_modules is absent (run `npm install` in tests/node): cannot compose")


def test_committed_supergraph_is_up_to_date(service_sdl):
    # The SDL each service serves over HTTP, composed with the default dev URLs.
    urls = subgraph_urls()
    inputs = [{"name": s.name, "url": urls[s.name], "sdl": service_sdl(s.name)} for s in SERVICES]
    recomposed = compose_examples.compose(inputs)
    assert compose_examples.SUPERGRAPH_PATH.read_text() == recomposed, (
        "services/supergraph.graphql is stale: run `python -m services.compose_examples`"
    )


def test_in_process_sdl_matches_what_the_services_serve(service_sdl):
    # compose_examples reads SDL in-process; it must be what the gateway would fetch over HTTP.
    for item in compose_examples.subgraph_inputs():
        assert item["sdl"] == service_sdl(item["name"]), item["name"]


def test_apollo_composition_accepts_the_services_too():
    sdl = compose_examples.compose(compose_examples.subgraph_inputs(), apollo=True)
    graphs = dict(re.findall(r'@join__graph\(name: "(\w+)", url: "([^"]+)"\)', sdl))
    assert graphs == subgraph_urls()
    assert "@join__field(graph: REVIEWS, requires: \"title\")" in sdl
    assert "@join__field(graph: REVIEWS, provides: \"name\")" in sdl


def test_supergraph_points_at_the_catalog_ports():
    sdl = compose_examples.SUPERGRAPH_PATH.read_text()
    graphs = dict(re.findall(r'@join__graph\(name: "(\w+)", url: "([^"]+)"\)', sdl))
    assert graphs == {s.name: f"http://127.0.0.1:{4101 + i}/graphql" for i, s in enumerate(SERVICES)}
