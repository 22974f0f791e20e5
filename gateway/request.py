"""The gateway's request and response values, independent of any transport.

The HTTP layer (ASGI or Lambda) turns a wire request into a `GraphQLRequest`,
hands it to `Gateway.execute`, and encodes the `GraphQLResponse` it gets back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(slots=True)
class GraphQLRequest:
    """One GraphQL operation request as sent by a client."""

    query: str | None
    operation_name: str | None = None
    variables: dict[str, Any] | None = None
    extensions: dict[str, Any] | None = None
    # "GET" or "POST": mutations are refused over GET.
    http_method: str = "POST"
    # Lower-cased request headers, for propagation rules and client identification.
    headers: Mapping[str, str] = field(default_factory=dict)
    # Who is asking (gateway.auth's Principal; kind "anonymous" when nobody signed in), set by the HTTP layer.
    principal: Any = None
    # The HTTP path it came on ("/graphql", or a contract's path such as "/graphql/mobile").
    path: str = "/graphql"
    # time.monotonic() by which subgraph fetches must end (on Lambda: the invocation's remaining time minus
    # GatewayConfig.deadline_margin), so that partial data is answered before the function is cut off.
    deadline: float | None = None
    # Awaitable that ends when the client disconnects (set by the ASGI app under a server; None on Lambda,
    # where nobody can tell): a big new document still waiting to be prepared is then dropped unprepared.
    disconnected: Callable[[], Awaitable[Any]] | None = None


@dataclass(slots=True)
class GraphQLResponse:
    """The result of one request.

    `body` is the GraphQL response map ({"data": ..., "errors": [...]}).
    `request_error` is True when the request failed before execution started
    (parse or validation error, bad variables, unknown operation): GraphQL over
    HTTP then answers 400 with application/graphql-response+json, and the body
    has no "data" entry. `status` overrides the HTTP status when set (e.g. 405
    for a mutation over GET).
    """

    body: dict[str, Any]
    request_error: bool = False
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # The operation's estimated cost (operation/cost.py, assumed list sizes included), for the request log.
    cost: int | None = None


def error_response(message: str, *, code: str = "BAD_REQUEST", status: int | None = None) -> GraphQLResponse:
    """A request error in GraphQL's error format (no data, one error)."""
    return GraphQLResponse(
        body={"errors": [{"message": message, "extensions": {"code": code}}]},
        request_error=True,
        status=status,
    )
