"""The example services, each started once per session on a free loopback port.

`graphql(service, query, variables=None, headers=None, principal=ANONYMOUS, verdicts=None)`
POSTs to that service over HTTP, with an identity signed for that principal the way the
gateway signs it (SECRET; `verdicts`: the gateway's @policy verdicts), and returns the
decoded body, after checking the response is JSON with status 200 (GraphQL errors come
back in the body, not as HTTP errors).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import ObjectTypeDefinitionNode, parse, print_ast

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402
from service_identity import SECRET, signed  # noqa: E402

from bff_common.principal import ANONYMOUS  # noqa: E402
from services.catalog import SERVICES  # noqa: E402
from tests.support.asgi_server import RunningServer, serve_in_thread  # noqa: E402

GraphQL = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def servers() -> Iterator[dict[str, RunningServer]]:
    with contextlib.ExitStack() as stack:
        yield {s.name: stack.enter_context(serve_in_thread(s.create_app(identity_secret=SECRET))) for s in SERVICES}


@pytest.fixture(scope="session")
def graphql(servers: dict[str, RunningServer]) -> Iterator[GraphQL]:
    with httpx.Client(timeout=10) as client:

        def post(service: str, query: str, variables: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                 principal: Any = ANONYMOUS, verdicts: dict | None = None) -> dict[str, Any]:
            body = orjson.dumps({"query": query, "variables": variables})
            sent = {"content-type": "application/json", **signed(service, body, principal, verdicts), **(headers or {})}
            response = client.post(servers[service].graphql_url, content=body, headers=sent)
            assert response.status_code == 200, response.text
            assert response.headers["content-type"].startswith("application/json")
            return response.json()

        yield post


@pytest.fixture(scope="session")
def entities(graphql: GraphQL) -> GraphQL:
    """`entities(service, representations, selection)`: an `_entities` query sent the way a gateway sends it."""

    def fetch(service: str, representations: list[dict[str, Any]], selection: str, **identity: Any) -> dict[str, Any]:
        query = f"query($r: [_Any!]!) {{ _entities(representations: $r) {{ {selection} }} }}"
        return graphql(service, query, {"r": representations}, **identity)

    return fetch


@pytest.fixture(scope="session")
def service_sdl(graphql: GraphQL) -> Callable[[str], str]:
    """`service_sdl(service)`: what the service answers to `{ _service { sdl } }`."""

    def fetch(service: str) -> str:
        body = graphql(service, "{ _service { sdl } }")
        assert "errors" not in body, body
        return body["data"]["_service"]["sdl"]

    return fetch


@pytest.fixture(scope="session")
def directives(service_sdl: Callable[[str], str]) -> Callable[..., list[str]]:
    """`directives(service, type_name, field_name=None)`: the directives applied
    there in the service's SDL, printed (`@key(fields: "id")`)."""

    def find(service: str, type_name: str, field_name: str | None = None) -> list[str]:
        document = parse(service_sdl(service))
        for definition in document.definitions:
            if isinstance(definition, ObjectTypeDefinitionNode) and definition.name.value == type_name:
                if field_name is None:
                    return [print_ast(d) for d in definition.directives or ()]
                for field in definition.fields or ():
                    if field.name.value == field_name:
                        return [print_ast(d) for d in field.directives or ()]
                raise AssertionError(f"{service}: {type_name}.{field_name} is not in the SDL")
        raise AssertionError(f"{service}: type {type_name} is not in the SDL")

    return find
