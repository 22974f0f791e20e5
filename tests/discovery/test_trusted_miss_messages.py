"""Issue 13: a trusted-documents miss says when the document is registered, but for another client
(without saying which), both from the registry and from a manifest with client sections."""

from __future__ import annotations

import pytest
from plain_subgraph import plain_subgraph

from bff_common.documents import TrustedDocuments, sha256_hex
from discovery.registry import PublishRequest, Registry
from gateway.config import GatewayConfig
from gateway.gateway import Gateway
from gateway.registry_documents import RegistryDocumentStore
from gateway.request import GraphQLRequest
from tests.support.asgi_server import serve_in_thread

SDL = "type Query { hello: String world: String }"
HELLO = "query Hello { hello }"
WORLD = "query World { world }"
IOS = {"apollographql-client-name": "ios", "apollographql-client-version": "1.0"}


@pytest.fixture(scope="module")
def subgraph():
    with serve_in_thread(plain_subgraph(SDL, {"hello": "hi", "world": "earth"}), health_path=None) as server:
        yield server.graphql_url


def _hash_only(document: str, headers: dict) -> GraphQLRequest:
    return GraphQLRequest(None, extensions={"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(document)}},
                          headers=headers)


def _error(response) -> dict:
    [error] = response.body["errors"]
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
    return error


async def _check(gateway: Gateway) -> None:
    assert (await gateway.execute(_hash_only(HELLO, IOS))).body == {"data": {"hello": "hi"}}
    for request in (_hash_only(WORLD, IOS), GraphQLRequest(WORLD, headers=IOS)):
        message = _error(await gateway.execute(request))["message"]
        assert "registered for another client name or version" in message and "android" not in message
    message = _error(await gateway.execute(_hash_only(WORLD, {})))["message"]
    assert "send the apollographql-client-name and apollographql-client-version headers" in message
    never = _error(await gateway.execute(GraphQLRequest("{ hello world }", headers=IOS)))["message"]
    assert never == "This gateway runs only trusted documents: the document sent is not registered."
    unknown = _error(await gateway.execute(_hash_only("{ world }", IOS)))["message"]
    assert unknown.endswith(f"{sha256_hex('{ world }')} is not registered.")


async def test_a_document_registered_for_another_client_in_the_registry(store, subgraph):
    registry = Registry(store)
    assert registry.publish(PublishRequest("greetings", subgraph, SDL, "test")).ok
    assert registry.publish_documents("ios", "1.0", [HELLO], "ci").ok
    assert registry.publish_documents("android", "7", [WORLD], "ci").ok
    gateway = Gateway(registry.supergraph().sdl,
                      GatewayConfig(trusted_documents_only=True, document_store=RegistryDocumentStore(registry)))
    await _check(gateway)
    await gateway.aclose()


async def test_a_document_registered_for_another_client_in_a_manifest(store, subgraph):
    registry = Registry(store)
    assert registry.publish(PublishRequest("greetings", subgraph, SDL, "test")).ok
    manifest = TrustedDocuments({}, {"ios/1.0": {sha256_hex(HELLO): HELLO}, "android": {sha256_hex(WORLD): WORLD}})
    gateway = Gateway(registry.supergraph().sdl, GatewayConfig(trusted_documents_only=True, document_store=manifest))
    await _check(gateway)
    await gateway.aclose()
