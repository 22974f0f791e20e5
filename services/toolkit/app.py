"""Build a service's ASGI app: GraphQL at /graphql, liveness at /health.

GraphiQL is off: these services sit behind the gateway, which is the one
place clients explore the graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
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
            # Subscriptions (graphql-transport-ws) for a schema that has them.
            WebSocketRoute("/graphql", graphql),
            Route("/health", health, methods=["GET"]),
        ],
        middleware=list(middleware),
    )
    if api_keys:
        from .api_key import ApiKeyMiddleware

        return ApiKeyMiddleware(app, api_keys)
    return app


def service_app(name: str, schema: Schema, *, identity_secrets: Sequence[str] | None = None,
                api_keys: Sequence[str] | None = None) -> ASGIApp:
    """An example service's app: X-API-Key when keys are configured (BFF_API_KEY_<NAME>), and the
    gateway-signed identity when a secret is (BFF_IDENTITY_SECRET, or `identity_secrets`).

    Without a secret every caller is anonymous, so the service's own directive checks
    (toolkit/access.py) leave only public fields. With one, unsigned requests are refused (401)
    in production and run as anonymous in development (BFF_SERVICE_DEV=1, `bff dev`)."""
    from .api_key import api_keys_from_env
    from .identity import identity_secrets_from_env
    from .schema import dev_mode

    secrets = identity_secrets_from_env() if identity_secrets is None else list(identity_secrets)
    middleware: list[Any] = []
    if secrets:
        from .identity import IdentityMiddleware

        middleware.append(Middleware(IdentityMiddleware, secrets=secrets, service=name, required=not dev_mode(),
                                     paths=("/graphql",)))
    return asgi_app(schema, middleware=middleware,
                    api_keys=api_keys_from_env(name) if api_keys is None else api_keys)
