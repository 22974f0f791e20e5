"""Real subgraphs (the example services; the `ticks` and `words` test subgraphs) and gateways serving them
under uvicorn: `bff serve` as a child process, or the ASGI app in a thread when a test needs its own settings."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.realtime.clients import BffServe  # noqa: E402
from tests.support.asgi_server import RunningServer, serve_in_thread  # noqa: E402


@pytest.fixture(scope="session")
def example_services() -> Iterator[dict[str, str]]:
    from services.catalog import SERVICES

    with contextlib.ExitStack() as stack:
        yield {s.name: stack.enter_context(serve_in_thread(s.load_app())).graphql_url for s in SERVICES}


@pytest.fixture(autouse=True)
def seed_reviews_restored() -> Iterator[None]:
    """Reviews posted by a test (addReview, in the example services running in this process) are removed after
    it: other suites compare against the seed data."""
    from services.reviews import data

    before = dict(data.REVIEWS)
    yield
    data.REVIEWS.clear()
    data.REVIEWS.update(before)


@pytest.fixture(scope="session")
def bff_serve(example_services: dict[str, str]) -> Iterator[BffServe]:
    """`bff serve` over the example supergraph (services/supergraph.graphql)."""
    args = ["--supergraph", "services/supergraph.graphql"]
    for name, url in example_services.items():
        args += ["--subgraph-url", f"{name}={url}"]
    server = BffServe(args)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def tick_subgraphs() -> Iterator[dict[str, Any]]:
    from services.toolkit.app import asgi_app
    from tests.realtime.subgraphs import ticks_schema, words_schema

    with serve_in_thread(asgi_app(ticks_schema())) as ticks, serve_in_thread(asgi_app(words_schema())) as words:
        yield {"ticks": ticks, "words": words}


@pytest.fixture(scope="session")
def tick_supergraph(tick_subgraphs: dict[str, RunningServer]) -> str:
    from discovery.compose import SubgraphInput, compose_supergraph
    from tests.realtime.subgraphs import ticks_schema, words_schema

    inputs = []
    for name, schema in (("ticks", ticks_schema()), ("words", words_schema())):
        sdl = schema.execute_sync("{ _service { sdl } }").data["_service"]["sdl"]  # type: ignore[attr-defined]
        inputs.append(SubgraphInput(name, tick_subgraphs[name].graphql_url, sdl, ()))
    result = compose_supergraph(inputs)
    assert not result.errors, result.errors
    return result.supergraph


@pytest.fixture
def tick_gateway(tick_supergraph: str) -> Callable[..., Any]:
    """`with tick_gateway(**settings) as (server, app):` the gateway app over ticks + words under uvicorn,
    with GatewayConfig settings of the test's choosing."""

    @contextlib.contextmanager
    def start(supergraph: str | None = None, auth: Any = None, **settings: Any) -> Iterator[tuple[RunningServer, Any]]:
        from gateway.auth.authenticate import Authenticator
        from gateway.auth.config import AuthConfig
        from gateway.config import GatewayConfig
        from gateway.gateway import Gateway
        from gateway.http.asgi import create_app

        config = GatewayConfig(**settings)
        app = create_app(Gateway(supergraph or tick_supergraph, config), config,
                         auth or Authenticator(AuthConfig(allow_anonymous=True)))
        with serve_in_thread(app) as server:
            yield server, app

    return start


def ws_url(server: RunningServer) -> str:
    return f"ws://{server.host}:{server.port}/graphql"
