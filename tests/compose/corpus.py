"""Subgraph sets for the cross-check: the example services, every conformance scenario
(Python subgraphs answer `_service { sdl }`, Node ones carry their typeDefs in the
module source) and hand-written sets in cases.py."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_TYPEDEFS = re.compile(r"typeDefs\s*=\s*(?:/\*\s*GraphQL\s*\*/\s*)?`(.*?)`", re.S)


def example_services() -> list[dict]:
    from services.compose_examples import subgraph_inputs

    return subgraph_inputs()


def _python_sdl(make_app) -> str:
    app = make_app()
    schema = getattr(app, "schema", None)
    while schema is None and hasattr(app, "app"):  # unwrap recording/middleware layers
        app = app.app
        schema = getattr(app, "schema", None)
    if schema is None:
        raise LookupError(f"no strawberry schema behind {app!r}")
    result = schema.execute_sync("{ _service { sdl } }")
    assert not result.errors, result.errors
    return result.data["_service"]["sdl"]


def _node_sdl(module: str) -> str:
    text = (ROOT / "tests" / "node" / "subgraphs" / module).read_text()
    match = _TYPEDEFS.search(text)
    assert match, f"no typeDefs in {module}"
    return match.group(1)


def conformance_queries(scenario: str) -> list[str]:
    """The queries of a conformance scenario's cases."""
    import tests.conformance as package

    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"tests.conformance.{info.name}") if info.name.startswith("test_") else None
        if module is not None and getattr(getattr(module, "SCENARIO", None), "name", None) == scenario:
            return [c.query for c in getattr(module, "CASES", [])]
    return []


def conformance_scenarios() -> dict[str, list[dict]]:
    """scenario name -> [{name, url, sdl}]"""
    import tests.conformance as package
    from tests.conformance.harness import DownSubgraph, NodeSubgraph, PySubgraph

    out: dict[str, list[dict]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("test_"):
            continue
        module = importlib.import_module(f"tests.conformance.{info.name}")
        scenario = getattr(module, "SCENARIO", None)
        if scenario is None:
            continue
        subgraphs = []
        for sub in scenario.subgraphs:
            if isinstance(sub, PySubgraph):
                try:
                    sdl = _python_sdl(sub.make_app)
                except LookupError:
                    break  # not a strawberry app: leave the scenario out
            elif isinstance(sub, NodeSubgraph):
                sdl = _node_sdl(sub.module)
            elif isinstance(sub, DownSubgraph):
                sdl = sub.sdl
            else:
                continue
            subgraphs.append({"name": sub.name, "url": f"http://{sub.name}.test/graphql", "sdl": sdl})
        else:
            out[scenario.name] = subgraphs
    return out
