"""Real strawberry subgraphs with access directives, served over HTTP, and a gateway factory
over the supergraph composed by discovery.compose ("python") or the reference composer ("guild")."""

from __future__ import annotations

import shutil
from contextlib import ExitStack
from pathlib import Path

import pytest

from bff_common.principal import Principal
from gateway.config import GatewayConfig
from gateway.gateway import Gateway
from gateway.request import GraphQLRequest
from tests.support.py_peers import serve_asgi

from .subgraphs import POLICIES, accounts_app, accounts_schema, reviews_app, reviews_schema

SECRET = "test-identity-secret"
ROOT = Path(__file__).resolve().parents[2]

VIEWER = Principal("viewer", subject="u1")
EDITOR = Principal("viewer", subject="u2", roles=frozenset({"EDITOR", "INSTRUCTOR", "staff"}),
                   scopes=frozenset({"hr:read"}))
SERVER = Principal("server", subject="svc", client_name="reporting")
ANON = Principal("anonymous")


@pytest.fixture(scope="module")
def services():
    with ExitStack() as stack:
        urls = {"accounts": stack.enter_context(serve_asgi(accounts_app([SECRET]))) + "/graphql",
                "reviews": stack.enter_context(serve_asgi(reviews_app([SECRET]))) + "/graphql"}
        yield urls


def sdls() -> dict[str, str]:
    return {"accounts": accounts_schema().as_str(), "reviews": reviews_schema().as_str()}


def supergraph(urls: dict[str, str], composer: str = "python") -> str:
    subgraphs = [{"name": n, "url": urls[n], "sdl": sdl} for n, sdl in sdls().items()]
    if composer == "python":
        from discovery.compose import SubgraphInput, compose_supergraph

        result = compose_supergraph([SubgraphInput(s["name"], s["url"], s["sdl"]) for s in subgraphs])
        assert result.ok, result.errors
        return result.supergraph
    if shutil.which("node") is None or not (ROOT / "tests" / "node" / "node_modules").exists():
        from tests.support.requires import missing

        missing("node and tests/node/node_modules are needed for the reference composer")
    from tests.support.compose import compose

    return compose(subgraphs, composer)


@pytest.fixture(params=["python", "guild"])
def make_gateway(request, services):
    made = []

    def make(**config) -> Gateway:
        config.setdefault("identity_secret", SECRET)
        config.setdefault("access_policies", POLICIES)
        gw = Gateway(supergraph(services, request.param), GatewayConfig(**config))
        made.append(gw)
        return gw

    yield make


async def ask(gw: Gateway, query: str, principal: Principal) -> dict:
    response = await gw.execute(GraphQLRequest(query=query, principal=principal))
    return response.body
