"""Federation conformance suite: real subgraphs over HTTP (strawberry and
@apollo/subgraph), our Gateway in-process, @apollo/gateway as the reference.

Run alone with `pytest tests/conformance` (or `-m conformance`)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from .harness import Env  # noqa: E402


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.conformance)


def pytest_configure(config):
    config.addinivalue_line("markers", "conformance: federation conformance suite (real subgraphs over HTTP)")


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        cases = getattr(metafunc.module, "CASES", [])
        metafunc.parametrize("case", cases, ids=[c.id for c in cases])


@pytest.fixture(scope="module")
async def env(request):
    if shutil.which("node") is None or not (ROOT / "tests" / "node" / "node_modules").exists():
        from tests.support.requires import missing

        missing("node and tests/node/node_modules are needed for the conformance suite")
    scenario = request.module.SCENARIO
    e = Env(scenario).start()
    try:
        yield e
    finally:
        await e.aclose()
