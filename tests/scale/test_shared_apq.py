"""The shared APQ store against DynamoDB Local: a document registered through APQ on one gateway is
known on the others; a store that is down or slow never fails a request; corrupt, old-format and
tampered items are ignored and overwritten; a hash mismatch is refused as without the store."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import socket
import time

import pytest

from gateway.config import GatewayConfig
from gateway.gateway import Gateway
from gateway.request import GraphQLRequest
from gateway.shared_cache.dynamodb import DynamoDBCache
from tests.support import dynamodb_local

DOC = '{ course(id: "c3") { id title } }'
SHA = hashlib.sha256(DOC.encode()).hexdigest()


@pytest.fixture(scope="module")
def dynamodb():
    if dynamodb_local.find_jar() is None:
        from tests.support.requires import missing

        missing("DynamoDB Local is needed (scripts/test installs it)")
    proc, endpoint = dynamodb_local.start()
    try:
        yield endpoint
    finally:
        dynamodb_local.stop(proc)


_tables = iter(range(10_000))


@pytest.fixture
def store_url(dynamodb):
    """A fresh table, created (and DynamoDB Local warmed up) before the gateways use it."""
    url = f"dynamodb://apq{next(_tables)}?endpoint={dynamodb}&create=1&timeout=2"
    store = DynamoDBCache.from_url(url)
    store._get_item("warm-up")
    return url


def _gateway(supergraph_file, url: str | None) -> Gateway:
    return Gateway.from_file(str(supergraph_file), GatewayConfig(apq_shared_store=url))


def _hash_only(sha: str = SHA) -> GraphQLRequest:
    return GraphQLRequest(None, extensions={"persistedQuery": {"version": 1, "sha256Hash": sha}})


def _register(doc: str = DOC, sha: str = SHA) -> GraphQLRequest:
    return GraphQLRequest(doc, extensions={"persistedQuery": {"version": 1, "sha256Hash": sha}})


def _code(response) -> str | None:
    errors = response.body.get("errors") or []
    return errors[0]["extensions"]["code"] if errors else None


def _store(gateway: Gateway) -> DynamoDBCache:
    from gateway.shared_cache import SharedAPQ

    return next(p for p in gateway.pipeline.plugins if isinstance(p, SharedAPQ)).store


async def _settle(store: DynamoDBCache, writes: int) -> None:
    deadline = time.monotonic() + 10
    while store.writes < writes and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert store.writes >= writes, (store.writes, store.failures)


async def test_a_document_registered_on_one_gateway_is_known_on_the_others(supergraph_file, store_url):
    a, b, alone = _gateway(supergraph_file, store_url), _gateway(supergraph_file, store_url), _gateway(
        supergraph_file, None)
    try:
        assert _code(await a.execute(_hash_only())) == "PERSISTED_QUERY_NOT_FOUND"
        registered = await a.execute(_register())
        assert registered.body == {"data": {"course": {"id": "c3", "title": "Course c3"}}}
        await _settle(_store(a), 1)
        # b never saw the document: it finds it in the shared store.
        answer = await b.execute(_hash_only())
        assert answer.body == {"data": {"course": {"id": "c3", "title": "Course c3"}}}
        assert _store(b).hits == 1
        # Then from its own LRU: no second lookup.
        await b.execute(_hash_only())
        assert _store(b).hits == 1 and _store(b).misses == 0
        # Without the shared store, a second process does not know it.
        assert _code(await alone.execute(_hash_only())) == "PERSISTED_QUERY_NOT_FOUND"
    finally:
        for g in (a, b, alone):
            await g.aclose()


async def test_a_hash_mismatch_is_refused_and_nothing_is_written(supergraph_file, store_url):
    gateway = _gateway(supergraph_file, store_url)
    try:
        wrong = await gateway.execute(_register(DOC, "0" * 64))
        assert _code(wrong) == "PERSISTED_QUERY_HASH_MISMATCH" and "data" not in wrong.body
        await asyncio.sleep(0.3)
        assert _store(gateway).writes == 0
    finally:
        await gateway.aclose()


def _put_raw(store: DynamoDBCache, item: dict) -> None:
    store._client().put_item(TableName=store.table, Item={"pk": {"S": f"apq#{SHA}"}, **item})


@pytest.mark.parametrize("item", [
    {"v": {"N": "0"}, "doc": {"S": DOC}, "exp": {"N": "9999999999"}},  # an older format
    {"v": {"N": "1"}, "doc": {"N": "12"}, "exp": {"N": "9999999999"}},  # corrupt: not a document
    {"v": {"S": "one"}},  # corrupt: nothing usable
    {"v": {"N": "1"}, "doc": {"S": DOC}, "exp": {"N": "1000"}},  # expired (DynamoDB deletes late)
    {"v": {"N": "1"}, "doc": {"S": '{ course(id: "evil") { id } }'}, "exp": {"N": "9999999999"}},  # tampered
], ids=["old-version", "wrong-type", "garbage", "expired", "does-not-hash-to-its-key"])
async def test_a_bad_item_is_ignored_and_overwritten_by_the_next_registration(supergraph_file, store_url, item):
    gateway, other = _gateway(supergraph_file, store_url), _gateway(supergraph_file, store_url)
    try:
        await asyncio.to_thread(_put_raw, _store(gateway), item)
        assert _code(await gateway.execute(_hash_only())) == "PERSISTED_QUERY_NOT_FOUND"
        assert (await gateway.execute(_register())).body["data"]["course"]["id"] == "c3"
        await _settle(_store(gateway), 1)
        answer = await other.execute(_hash_only())
        assert answer.body == {"data": {"course": {"id": "c3", "title": "Course c3"}}}
    finally:
        await gateway.aclose()
        await other.aclose()


def _silent_server() -> tuple[socket.socket, str]:
    """A port that accepts connections and never answers: a store that hangs."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


async def test_a_down_store_never_fails_a_request_and_is_logged_once(supergraph_file, caplog):
    from tests.support.py_peers import closed_port_url

    url = f"dynamodb://apq?endpoint={closed_port_url()}&timeout=0.5"
    gateway = _gateway(supergraph_file, url)
    caplog.set_level(logging.WARNING, "bff.shared_cache")
    try:
        assert _code(await gateway.execute(_hash_only())) == "PERSISTED_QUERY_NOT_FOUND"
        assert (await gateway.execute(_register())).body["data"]["course"]["id"] == "c3"
        for _ in range(20):  # from the in-process LRU, as without a store
            assert (await gateway.execute(_hash_only())).body["data"]["course"]["id"] == "c3"
        other = SHA[::-1]
        for _ in range(5):
            assert _code(await gateway.execute(_hash_only(other))) == "PERSISTED_QUERY_NOT_FOUND"
        warnings = [r for r in caplog.records if r.name == "bff.shared_cache"]
        assert len(warnings) == 1 and "answering from the in-process cache" in warnings[0].getMessage()
    finally:
        await gateway.aclose()


async def test_a_slow_store_costs_at_most_its_timeout_then_is_skipped(supergraph_file):
    sock, endpoint = _silent_server()
    gateway = _gateway(supergraph_file, f"dynamodb://apq?endpoint={endpoint}&timeout=0.2")
    try:
        started = time.monotonic()
        assert _code(await gateway.execute(_hash_only())) == "PERSISTED_QUERY_NOT_FOUND"
        first = time.monotonic() - started
        assert 0.15 < first < 1.0
        started = time.monotonic()
        for _ in range(10):  # skipped during the backoff: no waiting
            assert _code(await gateway.execute(_hash_only())) == "PERSISTED_QUERY_NOT_FOUND"
        assert time.monotonic() - started < 0.5
        assert (await gateway.execute(_register())).body["data"]["course"]["id"] == "c3"
    finally:
        await gateway.aclose()
        sock.close()


def test_a_bad_store_url_is_a_config_error():
    from gateway.config.build import settings
    from gateway.config.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        settings(None, env={"BFF_APQ_SHARED_STORE": "memcached://nope"})
    assert "persisted_documents.apq.shared_store" in str(caught.value)
