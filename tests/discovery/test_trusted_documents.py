"""Trusted documents registered per client in the registry, enforced by a gateway in trusted mode."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from plain_subgraph import plain_subgraph

from discovery.client import HttpRegistry, open_registry
from discovery.http_api import ApiConfig, create_registry_app
from discovery.registry import PublishRequest, Registry
from gateway.config import GatewayConfig
from gateway.gateway import Gateway
from bff_common.documents import sha256_hex
from gateway.registry_documents import RegistryDocumentStore
from gateway.request import GraphQLRequest
from tests.support.asgi_server import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
SDL = "type Query { hello: String world: String }"
HELLO = "query Hello { hello }"
WORLD = "query World { world }"
APP = {"apollographql-client-name": "ios", "apollographql-client-version": "1.0"}
TOKEN = "deploy-token-for-tests"


@pytest.fixture(scope="module")
def subgraph():
    with serve_in_thread(plain_subgraph(SDL, {"hello": "hi", "world": "earth"}), health_path=None) as server:
        yield server.graphql_url


@pytest.fixture
def registry(store, subgraph) -> Registry:
    registry = Registry(store)
    assert registry.publish(PublishRequest("greetings", subgraph, SDL, "test")).ok
    return registry


def _gateway(registry) -> Gateway:
    config = GatewayConfig(trusted_documents_only=True, document_store=RegistryDocumentStore(registry))
    return Gateway(registry.supergraph().sdl, config)


def _hash_only(document: str, headers: dict) -> GraphQLRequest:
    return GraphQLRequest(None, extensions={"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(document)}},
                          headers=headers)


def _code(response) -> str | None:
    errors = response.body.get("errors") or [{}]
    return errors[0].get("extensions", {}).get("code")


async def test_trusted_gateway_runs_only_documents_registered_for_the_client(registry):
    outcome = registry.publish_documents("ios", "1.0", {sha256_hex(HELLO): HELLO}, "ci")
    assert outcome.ok and outcome.changed
    assert registry.publish_documents("android", "7", [WORLD], "ci").ok
    gateway = _gateway(registry)

    assert (await gateway.execute(_hash_only(HELLO, APP))).body == {"data": {"hello": "hi"}}
    assert (await gateway.execute(GraphQLRequest(HELLO, headers=APP))).body == {"data": {"hello": "hi"}}
    assert _code(await gateway.execute(GraphQLRequest("{ hello }", headers=APP))) == "PERSISTED_QUERY_NOT_IN_LIST"
    # WORLD is registered, but for another client; HELLO for another version of this one.
    assert _code(await gateway.execute(_hash_only(WORLD, APP))) == "PERSISTED_QUERY_NOT_IN_LIST"
    assert _code(await gateway.execute(GraphQLRequest(WORLD, headers=APP))) == "PERSISTED_QUERY_NOT_IN_LIST"
    other_version = {**APP, "apollographql-client-version": "2.0"}
    assert _code(await gateway.execute(_hash_only(HELLO, other_version))) == "PERSISTED_QUERY_NOT_IN_LIST"
    assert _code(await gateway.execute(_hash_only(HELLO, {}))) == "PERSISTED_QUERY_NOT_IN_LIST"

    again = registry.publish_documents("ios", "1.0", [HELLO], "ci")
    assert again.ok and not again.changed
    assert [(e.client, e.version, e.sha256) for e in registry.documents()] == [
        ("android", "7", sha256_hex(WORLD)), ("ios", "1.0", sha256_hex(HELLO))]
    assert [e.client for e in registry.documents("ios")] == ["ios"]
    assert registry.document(sha256_hex(WORLD)) == WORLD


def test_an_invalid_document_or_a_hash_mismatch_writes_nothing(registry):
    bad = registry.publish_documents("ios", "1.0", [HELLO, "{ nope }", "{ unclosed"], "ci")
    assert not bad.ok
    assert {p.coordinate for p in bad.problems} == {sha256_hex("{ nope }"), sha256_hex("{ unclosed")}
    assert {p.code for p in bad.problems} == {"INVALID_DOCUMENT"}
    mismatch = registry.publish_documents("ios", "1.0", {sha256_hex(WORLD): HELLO, sha256_hex(HELLO): HELLO}, "ci")
    assert not mismatch.ok and [p.code for p in mismatch.problems] == ["HASH_MISMATCH"]
    assert registry.documents() == [] and registry.document(sha256_hex(HELLO)) is None


def test_misses_are_read_once_per_ttl():
    class Source:
        reads = 0

        def client_document(self, client, version, sha256):
            Source.reads += 1
            return HELLO if sha256 == sha256_hex(HELLO) else None

    now = [0.0]
    documents = RegistryDocumentStore(Source(), miss_ttl=5, clock=lambda: now[0])
    for _ in range(100):
        assert documents.for_client("0" * 64, APP) is None
        assert documents.for_client(sha256_hex(HELLO), APP) == HELLO
    assert Source.reads == 2
    now[0] = 6
    assert documents.for_client("0" * 64, APP) is None and documents.for_client(sha256_hex(HELLO), APP) == HELLO
    assert Source.reads == 3  # the miss is asked again after its TTL; the hit is kept


async def test_http_api_publish_and_gateway_over_http(tmp_path, subgraph):
    registry = open_registry(f"sqlite:///{tmp_path}/api.db", create=True)
    registry.publish(PublishRequest("greetings", subgraph, SDL, "test"))
    with serve_in_thread(create_registry_app(registry, ApiConfig(deploy_token=TOKEN)), health_path=None) as server:
        url = f"{server.base_url}/v1/documents/ios/1.0"
        assert httpx.put(url, json={"documents": [HELLO]}).status_code == 401
        refused = httpx.put(url, json={"documents": ["{ nope }"]}, headers={"authorization": f"Bearer {TOKEN}"})
        assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "INVALID_DOCUMENT"
        client = HttpRegistry(server.base_url, token=TOKEN)
        assert client.publish_documents("ios", "1.0", [HELLO], "ci").ok
        assert [e.sha256 for e in client.documents("ios")] == [sha256_hex(HELLO)]
        gateway = _gateway(client)
        assert (await gateway.execute(_hash_only(HELLO, APP))).body == {"data": {"hello": "hi"}}
        assert _code(await gateway.execute(_hash_only(WORLD, APP))) == "PERSISTED_QUERY_NOT_IN_LIST"
        client.close()


def _bff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gateway", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=60, env={"PATH": "/usr/bin:/bin", "BFF_PUBLISHER": "cli-test", "PYTHONPATH": str(ROOT)})


def test_cli_publish_and_list(registry, registry_url, tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"format": "apollo-persisted-query-manifest", "version": 1, "operations": [
        {"id": sha256_hex(HELLO), "name": "Hello", "type": "query", "body": HELLO}]}))
    done = _bff("documents", "publish", "--client", "ios", "--client-version", "1.0", str(manifest),
                "--registry", registry_url)
    assert done.returncode == 0, done.stderr
    assert "1 new of 1 document(s) for ios/1.0" in done.stdout
    listed = _bff("documents", "list", "--client", "ios", "--json", "--registry", registry_url)
    assert listed.returncode == 0, listed.stderr
    assert [(e["client"], e["version"], e["sha256"], e["published_by"]) for e in json.loads(listed.stdout)] == [
        ("ios", "1.0", sha256_hex(HELLO), "cli-test")]
    (tmp_path / "bad.json").write_text(json.dumps({sha256_hex("{ nope }"): "{ nope }"}))
    bad = _bff("documents", "publish", "--client", "ios", "--client-version", "2.0", str(tmp_path / "bad.json"),
               "--registry", registry_url)
    assert bad.returncode == 1 and "INVALID_DOCUMENT" in bad.stderr
    assert _bff("documents", "publish", "--client", "ios", "--client-version", "2", "missing.json").returncode == 2


def test_lambda_environment_turns_registry_documents_on(tmp_path):
    from gateway.env_config import config_from_env

    config = config_from_env({"BFF_TRUSTED_DOCUMENTS": "registry", "BFF_REGISTRY": f"sqlite:///{tmp_path}/r.db"})
    assert config.trusted_documents_only and isinstance(config.document_store, RegistryDocumentStore)
    with pytest.raises(ValueError, match="BFF_REGISTRY"):
        config_from_env({"BFF_TRUSTED_DOCUMENTS": "registry"})
    assert _bff("serve", "--supergraph", "x.graphql", "--trusted-documents").returncode == 2
