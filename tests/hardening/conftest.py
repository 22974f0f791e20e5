"""One real subgraph (strawberry, on a loopback port) behind gateways built per test.

The supergraph is composed from SDL that carries the cost spec (`@cost`,
`@listSize`, federation v2.9); strawberry serves the same types without those
directives (only the gateway reads them).

Costs under the defaults (objects 1, scalars 0, default list size 10):
  products(first: n) { reviews { stars } }   n * (1 + 5 * 1)
  report(id:) { id }                          100 (field @cost)
  reports(limit: n) { id }                    n * 7 (Report @cost(weight: 7))
  shelf { items(first: n) { edges { name } } } 1 + (1 + n)   (sizedFields)
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import strawberry
from graphql import GraphQLError
from strawberry.asgi import GraphQL

from gateway.config import GatewayConfig
from gateway.gateway import Gateway
from gateway.http.asgi import create_app
from gateway.request import GraphQLRequest
from tests.support.asgi_server import serve_in_thread
from tests.support.compose import compose

SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@cost", "@listSize"])

type Query {
  node: Node
  self: Query
  tags: [String!]!
  count(values: [Int!]!): Int
  products(first: Int): [Product!]! @listSize(slicingArguments: ["first"], assumedSize: 50)
  reports(limit: Int): [Report!]!
  report(id: ID!): Report @cost(weight: 100)
  shelf: Shelf
  fail: String
  failUserInput: String
}

type Mutation { touch: Boolean }

type Node { name: String child: Node }
type Product @key(fields: "id") { id: ID! name: String reviews: [Review!]! @listSize(assumedSize: 5) }
type Review { stars: Int }
type Report @cost(weight: 7) { id: ID! }
type Shelf { items(first: Int): ProductConnection @listSize(slicingArguments: ["first"], sizedFields: ["edges"]) }
type ProductConnection { edges: [Product!]! }
"""

SECRET = "connection refused to db-7.internal:5432"


@strawberry.type
class Review:
    stars: int = 4


@strawberry.type
class Product:
    id: strawberry.ID

    @strawberry.field
    def name(self) -> str:
        return f"product {self.id}"

    @strawberry.field
    def reviews(self) -> list[Review]:
        return [Review()]


@strawberry.type
class Report:
    id: strawberry.ID


@strawberry.type
class ProductConnection:
    size: strawberry.Private[int]

    @strawberry.field
    def edges(self) -> list[Product]:
        return [Product(id=strawberry.ID(str(i))) for i in range(self.size)]


@strawberry.type
class Shelf:
    @strawberry.field
    def items(self, first: int | None = None) -> ProductConnection:
        return ProductConnection(size=first or 2)


@strawberry.type
class Node:
    name: str = "n"

    @strawberry.field
    def child(self) -> Node:
        return Node()


@strawberry.type
class Query:
    @strawberry.field
    def node(self) -> Node:
        return Node()

    @strawberry.field(name="self")
    def self_(self) -> Query:
        return Query()

    @strawberry.field
    def tags(self) -> list[str]:
        return ["a", "b"]

    @strawberry.field
    def count(self, values: list[int]) -> int:
        return len(values)

    @strawberry.field
    def products(self, first: int | None = None) -> list[Product]:
        return [Product(id=strawberry.ID(str(i))) for i in range(min(first or 2, 3))]

    @strawberry.field
    def reports(self, limit: int | None = None) -> list[Report]:
        return [Report(id=strawberry.ID("r1"))]

    @strawberry.field
    def report(self, id: strawberry.ID) -> Report | None:
        return Report(id=id)

    @strawberry.field
    def shelf(self) -> Shelf:
        return Shelf()

    @strawberry.field
    def fail(self) -> str | None:
        raise GraphQLError(SECRET, extensions={"code": "INTERNAL_SERVER_ERROR", "host": "db-7.internal",
                                               "exception": {"stacktrace": ["Traceback", SECRET]}})

    @strawberry.field
    def fail_user_input(self) -> str | None:
        raise GraphQLError("No such id: 42", extensions={"code": "BAD_USER_INPUT", "argument": "id",
                                                         "stacktrace": ["Traceback"]})


@strawberry.type
class Mutation:
    @strawberry.mutation
    def touch(self) -> bool:
        return True


@pytest.fixture(scope="session")
def catalog_url() -> Any:
    app = GraphQL(strawberry.Schema(query=Query, mutation=Mutation))
    with serve_in_thread(app, health_path=None) as server:
        yield server.graphql_url


@pytest.fixture(scope="session")
def supergraph(catalog_url: str) -> str:
    return compose([{"name": "catalog", "url": catalog_url, "sdl": SDL}])


@pytest.fixture
async def make_gateway(supergraph: str) -> Any:
    """`make_gateway(**config)`: a Gateway over the catalog subgraph with these settings."""
    made: list[Gateway] = []

    def make(config: GatewayConfig | None = None, **settings: Any) -> Gateway:
        gateway = Gateway(supergraph, config or GatewayConfig(**settings))
        made.append(gateway)
        return gateway

    yield make
    for gateway in made:
        await gateway.aclose()


async def run(gateway: Gateway, query: str | None, variables: dict | None = None, **request: Any) -> dict:
    """The response body of one request."""
    response = await gateway.execute(GraphQLRequest(query=query, variables=variables, **request))
    return response.body


def code_of(body: dict) -> str | None:
    """The code of the first error, or None when the request ran without errors."""
    errors = body.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


def http_client(gateway: Gateway) -> httpx.AsyncClient:
    """An HTTP client talking to the gateway's ASGI app in process."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(gateway, gateway.config)),
                             base_url="http://bff.test",
                             headers={"accept": "application/graphql-response+json"})
