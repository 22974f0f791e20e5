"""Differential tests against the reference composer (tests/node/compose.mjs): on each
subgraph set, ours composes exactly when it does, and the gateway built from our
supergraph has the same API schema and plans the same queries the same way."""

from __future__ import annotations

import shutil

import pytest

from tests.compose.cases import COMPOSABLE, REFUSED
from tests.compose.corpus import conformance_queries, conformance_scenarios, example_services
from tests.compose.crosscheck import compare, sample_queries
from tests.support.compose import NODE_DIR
from tests.support.requires import missing

if shutil.which("node") is None or not (NODE_DIR / "node_modules").is_dir():
    missing("needs node and tests/node/node_modules", module_level=True)

_SCENARIOS = conformance_scenarios()


def _check_same(subgraphs: list[dict], queries: list[str]) -> None:
    from discovery.compose import SubgraphInput, compose_supergraph

    ours = compose_supergraph([SubgraphInput(s["name"], s["url"], s["sdl"]) for s in subgraphs])
    assert ours.ok, ours.errors
    c = compare(subgraphs, list(queries) + sample_queries(ours.supergraph))
    assert c.reference_ok, c.reference_errors
    assert c.api_schema_equal
    assert not c.plan_mismatches, c.plan_mismatches[0]


@pytest.mark.parametrize("scenario", sorted(_SCENARIOS))
def test_conformance_scenario_composes_like_the_reference(scenario):
    _check_same(_SCENARIOS[scenario], conformance_queries(scenario))


def test_example_services_compose_like_the_reference():
    _check_same(example_services(), [])


@pytest.mark.parametrize("case", sorted(COMPOSABLE))
def test_handwritten_set_composes_like_the_reference(case):
    _check_same(COMPOSABLE[case], [])


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_set_is_refused_by_the_reference_too(case):
    subgraphs, _code, _coordinate = REFUSED[case]
    c = compare(subgraphs)
    assert not c.ours_ok and not c.reference_ok, (c.ours_errors, c.reference_errors)
