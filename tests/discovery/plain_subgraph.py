"""A tiny plain-GraphQL subgraph for the gateway-side tests: answers from a dict of root field values."""

from __future__ import annotations

import json
from typing import Any


def plain_subgraph(sdl: str, values: dict[str, Any]):
    """ASGI app executing `sdl` (no federation) with `values` as the root value."""
    from graphql import build_schema, graphql_sync

    schema = build_schema(sdl)

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        request = json.loads(body or b"{}")
        result = graphql_sync(schema, request.get("query", ""), root_value=values,
                              variable_values=request.get("variables"))
        out: dict[str, Any] = {"data": result.data}
        if result.errors:
            out["errors"] = [{"message": e.message} for e in result.errors]
        payload = json.dumps(out).encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": payload})

    return app
