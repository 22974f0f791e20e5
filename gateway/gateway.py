"""The gateway: one object that owns the supergraph, the caches and the subgraph client.

Flow of `execute`: prepare (parse, validate, normalize, plan; cached) ->
execute the plan against the subgraphs -> shape the client's response.
"""

from __future__ import annotations

from pathlib import Path

from .config import GatewayConfig
from .request import GraphQLRequest, GraphQLResponse


class Gateway:
    """Serves GraphQL requests over one supergraph."""

    def __init__(self, supergraph_sdl: str, config: GatewayConfig | None = None) -> None:
        self.config = config or GatewayConfig()
        self.supergraph_sdl = supergraph_sdl
        raise NotImplementedError("being written")

    @classmethod
    def from_file(cls, path: str | Path, config: GatewayConfig | None = None) -> "Gateway":
        return cls(Path(path).read_text(), config)

    async def execute(self, request: GraphQLRequest) -> GraphQLResponse:
        """Answer one request; never raises for bad input (errors come back in the body)."""
        raise NotImplementedError

    def explain(self, query: str, operation_name: str | None = None, variables: dict | None = None) -> str:
        """The query plan of an operation, printed (Fetch / Flatten / Sequence / Parallel)."""
        raise NotImplementedError

    async def aclose(self) -> None:
        """Close pooled connections."""
