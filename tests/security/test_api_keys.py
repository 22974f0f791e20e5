"""Gateway -> service API keys: each service checks X-API-Key; the gateway sends each
service its own key, resolved from a secret reference; keys never leak."""

from __future__ import annotations

import logging

import httpx
import pytest

from bff_common.secrets import SecretError, SecretResolver, parse_mapping
from gateway.config import GatewayConfig
from gateway.gateway import Gateway
from gateway.request import GraphQLRequest
from services.catalog import SERVICES
from services.toolkit import asgi_app
from services.toolkit.api_key import api_keys_from_env
from tests.support.asgi_server import serve_in_thread

KEYS = {s.name: f"key-{s.name}-0123456789abcdef" for s in SERVICES}
PREVIOUS = "old-accounts-key-fedcba9876543210"


@pytest.fixture(scope="module")
def services():
    """The four example services, each requiring its own key (accounts also its previous one)."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        urls = {}
        for service in SERVICES:
            keys = [KEYS[service.name]] + ([PREVIOUS] if service.name == "accounts" else [])
            server = stack.enter_context(serve_in_thread(asgi_app(service.load_schema(), api_keys=keys)))
            urls[service.name] = server.graphql_url
        yield urls


def _post(url: str, key: str | None) -> httpx.Response:
    headers = {"x-api-key": key} if key is not None else {}
    return httpx.post(url, json={"query": "{ users { id } }"}, headers=headers)


def test_service_refuses_missing_and_wrong_keys_in_graphql_error_format(services):
    for key in (None, "", "wrong", KEYS["accounts"] + "x", KEYS["reviews"]):
        response = _post(services["accounts"], key)
        assert response.status_code == 401
        assert response.json() == {"errors": [{"message": "Missing or invalid API key.",
                                               "extensions": {"code": "UNAUTHENTICATED"}}]}


def test_service_accepts_its_key_and_the_previous_one_during_rotation(services):
    assert _post(services["accounts"], KEYS["accounts"]).json()["data"]["users"]
    assert _post(services["accounts"], PREVIOUS).json()["data"]["users"]


def test_health_stays_open_for_probes(services):
    base = services["accounts"].rsplit("/graphql", 1)[0]
    assert httpx.get(base + "/health").status_code == 200


def _gateway(services, references) -> Gateway:
    sdl = open("services/supergraph.graphql").read()
    return Gateway(sdl, GatewayConfig(subgraph_urls=services, subgraph_api_keys=references))


QUERY = "{ courses { title instructor { name } reviews { rating } } }"


async def test_gateway_sends_each_service_its_own_key(services, monkeypatch):
    for name, key in KEYS.items():
        monkeypatch.setenv(f"TEST_KEY_{name.upper()}", key)
    gateway = _gateway(services, {name: f"env:TEST_KEY_{name.upper()}" for name in KEYS})
    try:
        response = await gateway.execute(GraphQLRequest(query=QUERY))
        assert "errors" not in response.body
        assert len(response.body["data"]["courses"]) == 10
        assert response.body["data"]["courses"][0]["instructor"]["name"]
    finally:
        await gateway.aclose()


async def test_a_wrong_key_fails_that_service_only_and_never_leaks(services, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    for name, key in KEYS.items():
        monkeypatch.setenv(f"TEST_KEY_{name.upper()}", key)
    monkeypatch.setenv("TEST_KEY_REVIEWS", "not-the-reviews-key")
    gateway = _gateway(services, {name: f"env:TEST_KEY_{name.upper()}" for name in KEYS})
    try:
        # averageRating is nullable: reviews failing must not take the rest down with it
        response = await gateway.execute(GraphQLRequest(query="{ courses { title instructor { name } averageRating } }"))
        body = response.body
        assert all(c["averageRating"] is None for c in body["data"]["courses"])
        # courses and accounts still answer; reviews' fields are null with an error naming the service
        assert body["data"]["courses"][0]["instructor"]["name"]
        assert any(e["extensions"].get("serviceName") == "reviews" and e["extensions"].get("code") == "UNAUTHENTICATED"
                   for e in body["errors"])
        text = repr(body) + caplog.text
        for key in KEYS.values():
            assert key not in text
        assert "not-the-reviews-key" not in text
        # and the gateway keeps serving
        again = await gateway.execute(GraphQLRequest(query="{ users { id } }"))
        assert again.body["data"]["users"]
    finally:
        await gateway.aclose()


def test_gateway_refuses_to_start_with_an_unresolvable_reference(services, monkeypatch):
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    with pytest.raises(SecretError) as error:
        _gateway(services, {"accounts": "env:NOT_SET_ANYWHERE"})
    assert "NOT_SET_ANYWHERE" in str(error.value)


def test_gateway_refuses_keys_for_unknown_subgraphs(services, monkeypatch):
    monkeypatch.setenv("K", "v")
    with pytest.raises(ValueError, match="unknown subgraphs: nope"):
        _gateway(services, {"nope": "env:K"})


def test_references_parse_and_raw_keys_are_refused():
    assert parse_mapping("accounts=ssm:/bff/keys/accounts, reviews=env:REVIEWS_KEY") == {
        "accounts": "ssm:/bff/keys/accounts", "reviews": "env:REVIEWS_KEY"}
    with pytest.raises(SecretError) as error:
        parse_mapping("accounts=sk_live_abcdef123456")
    assert "sk_live" not in str(error.value)


def test_secret_values_are_cached_after_first_resolution(monkeypatch):
    resolver = SecretResolver()
    monkeypatch.setenv("ROTATING", "first")
    assert resolver.resolve("env:ROTATING") == "first"
    monkeypatch.setenv("ROTATING", "second")
    assert resolver.resolve("env:ROTATING") == "first"


def test_service_keys_come_from_the_environment_with_rotation(monkeypatch):
    monkeypatch.setenv("BFF_API_KEY_ACCOUNTS", "current")
    monkeypatch.setenv("BFF_API_KEY_ACCOUNTS_PREVIOUS", "env:OLD_ACCOUNTS_KEY")
    monkeypatch.setenv("OLD_ACCOUNTS_KEY", "previous")
    assert api_keys_from_env("accounts") == ["current", "previous"]
    monkeypatch.delenv("BFF_API_KEY_ACCOUNTS")
    monkeypatch.delenv("BFF_API_KEY_ACCOUNTS_PREVIOUS")
    assert api_keys_from_env("accounts") == []
