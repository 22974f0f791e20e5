"""Two real strawberry subgraphs (people, posts) on loopback ports and their supergraph."""

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


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    name: str

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return User(id=id, name=f"user {id}")


@strawberry.type
class PeopleQuery:
    @strawberry.field
    def me(self) -> User:
        return User(id=strawberry.ID("1"), name="Ada")

    @strawberry.field(description="The value of a request header as this subgraph received it ('' when absent).")
    def header(self, info: Info, name: str) -> str:
        return info.context["request"].headers.get(name, "")


@strawberry.type
class Post:
    title: str


@strawberry.federation.type(keys=["id"], name="User")
class PostsUser:
    id: strawberry.ID

    @strawberry.field
    def posts(self) -> list[Post]:
        return [Post(title=f"post {self.id}.{i}") for i in range(2)]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> PostsUser:
        return PostsUser(id=id)


@strawberry.type
class PostsQuery:
    @strawberry.field
    def latest(self) -> list[Post]:
        return [Post(title="hello")]


def _schema(query: type, types: list[type]) -> object:
    from services.toolkit import Schema

    return Schema(query=query, types=types)


@pytest.fixture(scope="session")
def subgraphs() -> Iterator[dict[str, str]]:
    from services.toolkit.app import asgi_app

    with serve_in_thread(asgi_app(_schema(PeopleQuery, [User]))) as people, \
            serve_in_thread(asgi_app(_schema(PostsQuery, [PostsUser]))) as posts:
        yield {"people": people.graphql_url, "posts": posts.graphql_url}


@pytest.fixture(scope="session")
def supergraph(subgraphs: dict[str, str]) -> str:
    from discovery.compose import SubgraphInput, compose_supergraph

    inputs = []
    for name, query, types in (("people", PeopleQuery, [User]), ("posts", PostsQuery, [PostsUser])):
        sdl = _schema(query, types).execute_sync("{ _service { sdl } }").data["_service"]["sdl"]  # type: ignore
        inputs.append(SubgraphInput(name, subgraphs[name], sdl, ()))
    result = compose_supergraph(inputs)
    assert not result.errors, result.errors
    return result.supergraph
