"""Automatic Persisted Queries (POST and GET) and trusted-documents mode."""

from __future__ import annotations

import hashlib
import json

import pytest

from gateway.operation.persisted import MemoryDocumentStore

from .conftest import code_of, http_client, run

QUERY = "{ tags }"


def sha(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def apq(document: str, version: int = 1) -> dict:
    return {"persistedQuery": {"version": version, "sha256Hash": sha(document)}}


async def test_apq_round_trip(make_gateway):
    gateway = make_gateway()
    not_found = await run(gateway, None, extensions=apq(QUERY))
    assert not_found == {"errors": [{"message": "PersistedQueryNotFound",
                                     "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]}
    assert await run(gateway, QUERY, extensions=apq(QUERY)) == {"data": {"tags": ["a", "b"]}}
    assert await run(gateway, None, extensions=apq(QUERY)) == {"data": {"tags": ["a", "b"]}}


async def test_apq_refuses_a_hash_that_does_not_match(make_gateway):
    gateway = make_gateway()
    body = await run(gateway, QUERY, extensions=apq("{ node { name } }"))
    assert code_of(body) == "PERSISTED_QUERY_HASH_MISMATCH"
    assert code_of(await run(gateway, None, extensions=apq("{ node { name } }"))) == "PERSISTED_QUERY_NOT_FOUND"


async def test_apq_stores_only_documents_that_run(make_gateway):
    gateway = make_gateway()
    invalid = "{ nope }"
    assert code_of(await run(gateway, invalid, extensions=apq(invalid))) == "GRAPHQL_VALIDATION_FAILED"
    assert code_of(await run(gateway, None, extensions=apq(invalid))) == "PERSISTED_QUERY_NOT_FOUND"


async def test_apq_unsupported_version(make_gateway):
    body = await run(make_gateway(), None, extensions=apq(QUERY, version=2))
    assert code_of(body) == "PERSISTED_QUERY_NOT_SUPPORTED"


async def test_apq_store_is_bounded():
    store = MemoryDocumentStore(maxsize=2)
    for i in range(3):
        store.put(f"h{i}", f"d{i}")
    assert (store.get("h0"), store.get("h1"), store.get("h2"), len(store)) == (None, "d1", "d2", 2)


async def test_apq_off(make_gateway):
    body = await run(make_gateway(apq=False), None, extensions=apq(QUERY))
    assert code_of(body) == "PERSISTED_QUERY_NOT_SUPPORTED"


async def test_apq_over_get_registers_the_document(make_gateway):
    gateway = make_gateway()
    async with http_client(gateway) as client:
        params = {"query": QUERY, "extensions": json.dumps(apq(QUERY))}
        response = await client.get("/graphql", params=params)
        assert response.status_code == 200 and response.json() == {"data": {"tags": ["a", "b"]}}
    assert await run(gateway, None, extensions=apq(QUERY), http_method="GET") == {"data": {"tags": ["a", "b"]}}


async def test_apq_hash_only_over_http(make_gateway):
    gateway = make_gateway()
    async with http_client(gateway) as client:
        await client.get("/graphql", params={"query": QUERY, "extensions": json.dumps(apq(QUERY))})
        response = await client.get("/graphql", params={"extensions": json.dumps(apq(QUERY))})
    assert response.json() == {"data": {"tags": ["a", "b"]}}


async def test_production_serves_persisted_queries_over_get_but_not_full_text(make_gateway):
    """Issue 12, finding 10 (graphql-cop: "GET Method Query Support")."""
    from gateway.config import GatewayConfig

    gateway = make_gateway(GatewayConfig.production())
    async with http_client(gateway) as client:
        full_text = await client.get("/graphql", params={"query": "query cop { __typename }"})
        registering = await client.get("/graphql", params={"query": QUERY, "extensions": json.dumps(apq(QUERY))})
        await client.post("/graphql", json={"query": QUERY, "extensions": apq(QUERY)})  # registered over POST
        hashed = await client.get("/graphql", params={"extensions": json.dumps(apq(QUERY))})
    assert full_text.status_code == registering.status_code == 405 and full_text.headers["allow"] == "POST"
    assert code_of(full_text.json()) == "METHOD_NOT_ALLOWED" and "data" not in full_text.json()
    assert hashed.status_code == 200 and hashed.json() == {"data": {"tags": ["a", "b"]}}


TRUSTED = "query Tags { tags }"
WEB_ONLY = "query Shelf { shelf { __typename } }"


@pytest.fixture
def manifest(tmp_path):
    path = tmp_path / "trusted.json"
    path.write_text(json.dumps({sha(TRUSTED): TRUSTED, "clients": {"web/1.0": {sha(WEB_ONLY): WEB_ONLY}}}))
    return str(path)


async def test_trusted_documents_only(make_gateway, manifest):
    gateway = make_gateway(trusted_documents_only=True, trusted_documents=manifest)
    assert await run(gateway, None, extensions=apq(TRUSTED)) == {"data": {"tags": ["a", "b"]}}
    assert await run(gateway, TRUSTED) == {"data": {"tags": ["a", "b"]}}
    assert await run(gateway, TRUSTED, extensions=apq(TRUSTED)) == {"data": {"tags": ["a", "b"]}}
    refused = await run(gateway, QUERY)
    assert code_of(refused) == "PERSISTED_QUERY_NOT_IN_LIST" and "trusted documents" in refused["errors"][0]["message"]
    assert code_of(await run(gateway, None, extensions=apq(QUERY))) == "PERSISTED_QUERY_NOT_IN_LIST"
    # APQ cannot register a new document in this mode
    assert code_of(await run(gateway, QUERY, extensions=apq(QUERY))) == "PERSISTED_QUERY_NOT_IN_LIST"
    assert code_of(await run(gateway, QUERY)) == "PERSISTED_QUERY_NOT_IN_LIST"


async def test_trusted_documents_per_client(make_gateway, manifest):
    gateway = make_gateway(trusted_documents_only=True, trusted_documents=manifest)
    web = {"apollographql-client-name": "web", "apollographql-client-version": "1.0"}
    assert await run(gateway, WEB_ONLY, headers=web) == {"data": {"shelf": {"__typename": "Shelf"}}}
    assert code_of(await run(gateway, WEB_ONLY)) == "PERSISTED_QUERY_NOT_IN_LIST"
    other = {"apollographql-client-name": "ios", "apollographql-client-version": "1.0"}
    assert code_of(await run(gateway, None, extensions=apq(WEB_ONLY), headers=other)) == "PERSISTED_QUERY_NOT_IN_LIST"


async def test_trusted_documents_from_a_store(make_gateway):
    class Registry:
        def get(self, sha256: str) -> str | None:
            return TRUSTED if sha256 == sha(TRUSTED) else None

    gateway = make_gateway(trusted_documents_only=True, document_store=Registry())
    assert await run(gateway, TRUSTED) == {"data": {"tags": ["a", "b"]}}
    assert code_of(await run(gateway, QUERY)) == "PERSISTED_QUERY_NOT_IN_LIST"


async def test_trusted_mode_needs_documents_and_a_manifest_must_match_its_hashes(make_gateway, tmp_path):
    with pytest.raises(ValueError, match="trusted_documents_only"):
        make_gateway(trusted_documents_only=True)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({sha(QUERY): TRUSTED}))
    with pytest.raises(ValueError, match="does not have that sha256"):
        make_gateway(trusted_documents_only=True, trusted_documents=str(bad))


async def test_trusted_mode_over_http(make_gateway, manifest):
    async with http_client(make_gateway(trusted_documents_only=True, trusted_documents=manifest)) as client:
        refused = await client.post("/graphql", json={"query": QUERY})
        ok = await client.get("/graphql", params={"query": TRUSTED})
    assert refused.status_code == 400 and code_of(refused.json()) == "PERSISTED_QUERY_NOT_IN_LIST"
    assert ok.status_code == 200 and ok.json() == {"data": {"tags": ["a", "b"]}}
