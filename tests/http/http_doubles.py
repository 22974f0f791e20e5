"""Test doubles for the HTTP layer: a stand-in Gateway and a real uvicorn server.

`FakeGateway` has the Gateway interface and answers from the request alone, so
these tests pin down the transport (status codes, media types, parsing) without
depending on the planner. Its rules mirror the real Gateway's contract:

    query containing "invalid"      -> request error (validation failed), no data
    mutation over GET               -> request error with status 405
    query containing "nulldata"     -> {"data": null, "errors": [...]} (field error bubbled up)
    query containing "crash"        -> execute raises (a gateway bug)
    query containing "unencodable"  -> a body orjson cannot encode
    anything else                   -> {"data": {"echo": <the request as received>}}
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from gateway.request import GraphQLRequest, GraphQLResponse, error_response


class FakeGateway:
    def __init__(self) -> None:
        self.requests: list[GraphQLRequest] = []
        self.closed = False

    async def execute(self, request: GraphQLRequest) -> GraphQLResponse:
        self.requests.append(request)
        query = request.query or ""
        if "invalid" in query:
            return error_response('Cannot query field "invalid" on type "Query".', code="GRAPHQL_VALIDATION_FAILED")
        if query.lstrip().startswith("mutation") and request.http_method == "GET":
            return error_response("Mutations are not allowed over GET; use POST.", code="BAD_REQUEST", status=405)
        if "nulldata" in query:
            return GraphQLResponse({"data": None, "errors": [{"message": "boom", "path": ["nulldata"]}]})
        if "crash" in query:
            raise RuntimeError("secret internal detail")
        if "unencodable" in query:
            return GraphQLResponse({"data": {"value": object()}})
        echo = {
            "query": request.query,
            "operationName": request.operation_name,
            "variables": request.variables,
            "extensions": request.extensions,
            "method": request.http_method,
            "headers": dict(request.headers),
        }
        return GraphQLResponse({"data": {"echo": echo}}, headers={"X-Served-By": "fake"})

    def explain(self, query: str, operation_name: str | None = None, variables: dict | None = None) -> str:
        return f"QueryPlan {{ Fetch(service: \"fake\") {{ {query.strip()} }} }}"

    async def aclose(self) -> None:
        self.closed = True


class ServerFailedToStart(RuntimeError):
    pass


@contextlib.contextmanager
def serve(app: Callable[..., Any], *, lifespan: str = "on", timeout: float = 10.0) -> Iterator[str]:
    """Run an ASGI app under uvicorn on a free 127.0.0.1 port; yields its base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan=lifespan, log_level="critical", access_log=False))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]

    def run() -> None:
        try:
            asyncio.run(server.serve(sockets=[sock]))
        except SystemExit:  # uvicorn exits when lifespan startup fails
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise ServerFailedToStart(f"uvicorn on port {port} did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
