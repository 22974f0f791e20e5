"""Build a service's ASGI app: GraphQL at /graphql, liveness at /health.

GraphiQL is off: these services sit behind the gateway, which is the one
place clients explore the graph.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp
from strawberry.asgi import GraphQL
from strawberry.federation import Schema


async def health(request: Request) -> JSONResponse:
    """Answers as soon as the process serves HTTP; `bff dev` and tests wait on it."""
    return JSONResponse({"status": "ok"})


def asgi_app(schema: Schema, *, middleware: Sequence[Middleware] = (),
             api_keys: Sequence[str] | None = None) -> ASGIApp:
    """The service's ASGI app.

    `api_keys`: when given (non-empty), every request but /health must carry one
    of them in X-API-Key (see api_key.py). `middleware` is the seam for other
    checks: they wrap /graphql and /health alike, so a check that must let
    probes through has to say so itself.
    """
    graphql = GraphQL(schema, graphql_ide=None, allow_queries_via_get=True)
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/health", health, methods=["GET"]),
        ],
        middleware=list(middleware),
    )
    if api_keys:
        from .api_key import ApiKeyMiddleware

        return ApiKeyMiddleware(app, api_keys)
    return app
