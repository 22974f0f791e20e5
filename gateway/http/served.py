"""`ServedGateway`: what the HTTP layer (asgi.py, lambda_handler.py, `bff serve`) uses of a gateway.

Two things serve: a `Gateway` built from one supergraph, and the `GatewaySwitch`
(supergraph_source.py) that follows the registry and swaps Gateways under traffic. The app
is typed against this protocol so that either fits, and a method the app calls but the
switch lacks is a type error rather than a 500 at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..request import GraphQLRequest, GraphQLResponse


class ServedGateway(Protocol):
    @property
    def api_schema(self) -> Any:
        """The client-facing schema (the IDE's default query)."""

    @property
    def contracts(self) -> Any:
        """The contracts served (docs/contracts.md), None without any."""

    @property
    def contract_paths(self) -> frozenset[str]:
        """The HTTP paths that serve a contract (besides /graphql)."""

    def schema_of(self, contract: str | None) -> Any:
        """The schema a caller of `contract` sees (None: the full API schema)."""

    async def execute(self, request: GraphQLRequest) -> GraphQLResponse:
        """Answer one request (errors in the body, never raised for bad input)."""

    async def execute_incremental(self, request: GraphQLRequest) -> Any:
        """A @defer query's payloads (an async iterator with `aclose`), or a GraphQLResponse."""

    async def subscribe(self, request: GraphQLRequest) -> Any:
        """A subscription's stream of responses, or a GraphQLResponse when refused."""

    async def aclose(self) -> None:
        """Close the subgraph connections."""
