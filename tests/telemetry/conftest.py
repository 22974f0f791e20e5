"""A real strawberry subgraph (which echoes the trace headers it receives) and gateways over it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import strawberry
from strawberry.types import Info

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.asgi_server import serve_in_thread  # noqa: E402
from tests.support.dynamodb_local import dynamodb_local  # noqa: E402,F401  (session fixture)


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    name: str
    email: str

    @strawberry.field
    def badge(self) -> str | None:
        from graphql import GraphQLError

        raise GraphQLError("no badge", extensions={"code": "BADGE_MISSING"})


@strawberry.type
class Query:
    @strawberry.field
    def me(self) -> User:
        return User(id=strawberry.ID("1"), name="Ada", email="ada@example.com")

    @strawberry.field
    def users(self, first: int = 10) -> list[User]:
        return [User(id=strawberry.ID(str(i)), name=f"u{i}", email=f"u{i}@example.com") for i in range(first)]

    @strawberry.field(description="The trace headers this request came with (traceparent, x-amzn-trace-id).")
    def trace(self, info: Info) -> list[str]:
        headers = info.context["request"].headers
        return [headers.get("traceparent", ""), headers.get("x-amzn-trace-id", "")]

    @strawberry.field
    def boom(self) -> str | None:
        raise ValueError("boom")


def _app():
    from services.toolkit import Schema
    from services.toolkit.app import asgi_app

    return asgi_app(Schema(query=Query))


@pytest.fixture(scope="session")
def subgraph_url() -> Iterator[str]:
    with serve_in_thread(_app()) as server:
        yield server.graphql_url


@pytest.fixture(scope="session")
def supergraph(subgraph_url: str) -> str:
    from discovery.compose import SubgraphInput, compose_supergraph
    from services.toolkit import Schema

    sdl = Schema(query=Query).execute_sync("{ _service { sdl } }").data["_service"]["sdl"]
    result = compose_supergraph([SubgraphInput("people", subgraph_url, sdl, ())])
    assert not result.errors, result.errors
    return result.supergraph
