"""A plain GraphQL service (no `_service`, no `_entities`) joins the graph: the registry
entry declares a lookup field, and the gateway fetches the step's objects through it, in
one request with one aliased lookup per distinct object."""

from __future__ import annotations

import json

import pytest
import strawberry
from strawberry.federation.schema_directives import Key

from discovery.compose import Lookup, SubgraphInput, compose_supergraph
from gateway.config import GatewayConfig
from gateway.gateway import Gateway
from gateway.request import GraphQLRequest
from services.toolkit import asgi_app
from services.toolkit.schema import Schema
from tests.support.asgi_server import serve_in_thread

NICKNAMES = {"u1": "ada", "u2": "bob"}


@strawberry.type
class User:
    id: strawberry.ID
    nickname: str | None


@strawberry.type
class LegacyQuery:
    @strawberry.field
    def user_by_id(self, id: strawberry.ID) -> User | None:
        if id == "u2":
            raise ValueError("u2 is archived")
        return User(id=id, nickname=NICKNAMES.get(id)) if id in NICKNAMES else None


LEGACY_SDL = """
type Query { userById(id: ID!): User }
type User { id: ID! nickname: String }
"""

POSTS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { posts: [Post!]! }
type Post @key(fields: "id") { id: ID! title: String! author: User! }
type User @key(fields: "id", resolvable: false) { id: ID! }
"""

POSTS = [{"id": "p1", "title": "One", "author": "u1"}, {"id": "p2", "title": "Two", "author": "u1"},
         {"id": "p3", "title": "Three", "author": "u2"}]


class Recorder:
    """ASGI wrapper keeping the GraphQL documents a service received."""

    def __init__(self, app) -> None:
        self.app, self.documents = app, []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body:
            self.documents.append(json.loads(body)["query"])
        sent = False

        async def replay():
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


@strawberry.federation.type(name="User", keys=[Key(fields="id", resolvable=False)])
class FedUser:
    id: strawberry.ID


@strawberry.federation.type(keys=["id"])
class Post:
    id: strawberry.ID
    title: str
    author: FedUser


@strawberry.type
class PostsQuery:
    @strawberry.field
    def posts(self) -> list[Post]:
        return [Post(id=p["id"], title=p["title"], author=FedUser(id=p["author"])) for p in POSTS]


def posts_app():
    return asgi_app(Schema(query=PostsQuery))


@pytest.fixture(scope="module")
def gateway_and_legacy():
    legacy = Recorder(asgi_app(strawberry.Schema(query=LegacyQuery)))
    with serve_in_thread(legacy) as legacy_server, serve_in_thread(posts_app()) as posts_server:
        result = compose_supergraph([
            SubgraphInput("legacy", legacy_server.graphql_url, LEGACY_SDL,
                          (Lookup("User", "userById", {"id": "id"}),)),
            SubgraphInput("posts", posts_server.graphql_url, POSTS_SDL),
        ])
        assert result.ok, result.errors
        yield Gateway(result.supergraph, GatewayConfig()), legacy


async def test_objects_are_fetched_through_the_lookup_field_in_one_request(gateway_and_legacy):
    gateway, legacy = gateway_and_legacy
    legacy.documents.clear()
    response = await gateway.execute(GraphQLRequest(query="{ posts { title author { id nickname } } }"))
    assert response.body["data"] == {"posts": [
        {"title": "One", "author": {"id": "u1", "nickname": "ada"}},
        {"title": "Two", "author": {"id": "u1", "nickname": "ada"}},
        {"title": "Three", "author": {"id": "u2", "nickname": None}},
    ]}
    # one request to the plain service, one aliased lookup per distinct user, no _entities
    assert len(legacy.documents) == 1
    document = legacy.documents[0]
    assert "_entities" not in document
    assert document.count("userById") == 2


async def test_a_lookup_error_is_rerooted_to_the_clients_path(gateway_and_legacy):
    gateway, _ = gateway_and_legacy
    response = await gateway.execute(GraphQLRequest(query="{ posts { author { nickname } } }"))
    errors = response.body["errors"]
    assert [e["path"] for e in errors] == [["posts", 2, "author"]]
    assert "archived" in errors[0]["message"]


def test_the_plan_shows_the_lookup(gateway_and_legacy):
    gateway, _ = gateway_and_legacy
    plan = gateway.explain("{ posts { author { nickname } } }")
    assert 'Fetch(service: "legacy")' in plan and "userById" in plan and "_entities" not in plan.split('"legacy"')[1]
