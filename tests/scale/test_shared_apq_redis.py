"""The shared APQ store on a real redis-server: a document registered through APQ on one gateway is
known on the others; a store that goes down or hangs never fails a request (one log line); corrupt,
old-format and tampered items are ignored and overwritten; a hash mismatch is refused; bad URLs are
configuration errors naming the key."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time

import pytest

from gateway.shared_cache.redis_store import RedisCache
from tests.scale.test_shared_apq import DOC, SHA, _code, _gateway, _hash_only, _register, _settle, _silent_server
from tests.scale.test_shared_apq import _store as _shared
from tests.support import redis_server

ANSWER = {"data": {"course": {"id": "c3", "title": "Course c3"}}}


@pytest.fixture(scope="module")
def redis_url():
    if redis_server.find() is None:
        from tests.support.requires import missing

        missing("redis-server is needed (scripts/bootstrap.sh installs Debian's redis-server)")
    proc, url = redis_server.start()
    try:
        yield url
    finally:
        redis_server.stop(proc)


_prefixes = iter(range(10_000))


@pytest.fixture
def store_url(redis_url):
    """A fresh key prefix per test: tests share the server, not their keys."""
    return f"{redis_url}/0?prefix=t{next(_prefixes)}:&timeout=2"


def _raw(store: RedisCache):
    import redis

    return redis.Redis.from_url(store.connect_url, decode_responses=True)


async def test_a_document_registered_on_one_gateway_is_known_on_the_others(supergraph_file, store_url):
    a, b, alone = _gateway(supergraph_file, store_url), _gateway(supergraph_file, store_url), _gateway(
        supergraph_file, None)
    try:
        assert isinstance(_shared(a), RedisCache)
        assert _code(await a.execute(_hash_only())) == "PERSISTED_QUERY_NOT_FOUND"
        assert (await a.execute(_register())).body == ANSWER
        await _settle(_shared(a), 1)
        # Stored under the prefix, as JSON of the format version and the document, with Redis' own expiry.
        raw = _raw(_shared(a))
        key = f"{_shared(a).prefix}apq:{SHA}"
        assert json.loads(raw.get(key)) == {"v": 1, "doc": DOC}
        assert 86000 < raw.ttl(key) <= 86400
        raw.close()
        assert (await b.execute(_hash_only())).body == ANSWER
        assert _shared(b).hits == 1
        await b.execute(_hash_only())  # from b's LRU now: no second lookup
        assert _shared(b).hits == 1 and _shared(b).misses == 0
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
        assert _shared(gateway).writes == 0
        raw = _raw(_shared(gateway))
        assert raw.keys(f"{_shared(gateway).prefix}*") == []
        raw.close()
    finally:
        await gateway.aclose()


@pytest.mark.parametrize("item", [
    json.dumps({"v": 0, "doc": DOC}),  # an older format
    json.dumps({"v": 1, "doc": 12}),  # corrupt: not a document
    "not json at all",  # corrupt
    json.dumps([1, DOC]),  # corrupt: another shape
    json.dumps({"v": 1, "doc": '{ course(id: "evil") { id } }'}),  # tampered: does not hash to its key
], ids=["old-version", "wrong-type", "garbage", "wrong-shape", "does-not-hash-to-its-key"])
async def test_a_bad_item_is_ignored_and_overwritten_by_the_next_registration(supergraph_file, store_url, item):
    gateway, other = _gateway(supergraph_file, store_url), _gateway(supergraph_file, store_url)
    try:
        raw = _raw(_shared(gateway))
        raw.set(f"{_shared(gateway).prefix}apq:{SHA}", item)
        assert _code(await gateway.execute(_hash_only())) == "PERSISTED_QUERY_NOT_FOUND"
        assert _shared(gateway).ignored == 1
        assert (await gateway.execute(_register())).body == ANSWER
        await _settle(_shared(gateway), 1)
        assert json.loads(raw.get(f"{_shared(gateway).prefix}apq:{SHA}")) == {"v": 1, "doc": DOC}
        raw.close()
        assert (await other.execute(_hash_only())).body == ANSWER
    finally:
        await gateway.aclose()
        await other.aclose()


async def test_an_outage_never_fails_a_request_and_is_logged_once(supergraph_file, caplog):
    proc, url = redis_server.start()
    gateway = _gateway(supergraph_file, f"{url}?timeout=0.5")
    caplog.set_level(logging.WARNING, "bff.shared_cache")
    try:
        assert (await gateway.execute(_register())).body == ANSWER
        await _settle(_shared(gateway), 1)
        redis_server.stop(proc)  # the store goes down with the connection open
        for _ in range(20):  # known documents: from the in-process LRU, as without a store
            assert (await gateway.execute(_hash_only())).body == ANSWER
        started = time.monotonic()
        for _ in range(5):  # unknown ones: a miss, not an error
            assert _code(await gateway.execute(_hash_only(SHA[::-1]))) == "PERSISTED_QUERY_NOT_FOUND"
        assert time.monotonic() - started < 2.0
        other_doc = '{ course(id: "c4") { id } }'
        registered = await gateway.execute(_register(other_doc, hashlib.sha256(other_doc.encode()).hexdigest()))
        assert registered.body == {"data": {"course": {"id": "c4"}}}
        warnings = [r for r in caplog.records if r.name == "bff.shared_cache"]
        assert len(warnings) == 1, [w.getMessage() for w in warnings]
        assert "answering from the in-process cache" in warnings[0].getMessage()
        assert url.split("//")[1] in warnings[0].getMessage()
    finally:
        await gateway.aclose()
        redis_server.stop(proc)


async def test_a_hanging_store_costs_at_most_its_timeout_then_is_skipped(supergraph_file):
    sock, endpoint = _silent_server()
    gateway = _gateway(supergraph_file, endpoint.replace("http://", "redis://") + "?timeout=0.2")
    try:
        started = time.monotonic()
        assert _code(await gateway.execute(_hash_only())) == "PERSISTED_QUERY_NOT_FOUND"
        assert 0.15 < time.monotonic() - started < 1.0
        started = time.monotonic()
        for _ in range(10):  # skipped during the backoff: no waiting
            assert _code(await gateway.execute(_hash_only())) == "PERSISTED_QUERY_NOT_FOUND"
        assert time.monotonic() - started < 0.5
        assert (await gateway.execute(_register())).body == ANSWER
    finally:
        await gateway.aclose()
        sock.close()


@pytest.mark.parametrize(("url", "message"), [
    ("redis://", "use redis://"),
    ("redis://cache:port", "use redis://"),
    ("redis://cache/zero", "the database is a number"),
    ("redis://cache?ttl=5", "unknown parameter(s) ttl"),
    ("redis://cache?timeout=soon", "timeout must be seconds"),
    ("redis://cache?timeout=0", "more than 0"),
    ("memcached://cache", "unknown shared store"),
])
def test_a_bad_redis_url_is_a_config_error_naming_the_key(url, message):
    from gateway.config.build import settings
    from gateway.config.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        settings(None, env={"BFF_APQ_SHARED_STORE": url})
    assert "persisted_documents.apq.shared_store" in str(caught.value) and message in str(caught.value)


def test_a_password_never_reaches_an_error_or_a_log_line():
    from gateway.config.build import settings
    from gateway.config.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        settings(None, env={"BFF_APQ_SHARED_STORE": "redis://app:s3cret@cache:6379/0?nope=1"})
    assert "s3cret" not in str(caught.value)
    assert RedisCache.from_url("redis://app:s3cret@cache:6379/1").url == "redis://cache:6379/1"


def test_the_config_file_selects_the_redis_store(tmp_path):
    from gateway.config.build import settings

    (tmp_path / "bff.yaml").write_text(
        "persisted_documents:\n  apq:\n    enabled: true\n"
        "    shared_store: \"redis://cache:6379/2?timeout=0.05&prefix=shop:\"\n    shared_ttl: 600\n")
    config = settings(str(tmp_path / "bff.yaml"), env={}).gateway
    store = RedisCache.from_url(config.apq_shared_store, config.apq_shared_ttl)
    assert (store.url, store.timeout, store.prefix, store.ttl) == ("redis://cache:6379/2", 0.05, "shop:", 600.0)


async def test_a_big_document_prepared_off_the_event_loop_is_shared_too(supergraph_file, store_url):
    """Documents of `validate_in_thread_chars` (256) or more are prepared in the gateway's worker thread,
    where on_plan runs: the write still goes out on the event loop."""
    big = "query Big {\n" + "".join(f'  c{i}: course(id: "c{i}") {{ id title }}\n' for i in range(12)) + "}"
    assert len(big) >= 256
    sha = hashlib.sha256(big.encode()).hexdigest()
    a, b = _gateway(supergraph_file, store_url), _gateway(supergraph_file, store_url)
    try:
        registered = await a.execute(_register(big, sha))
        assert registered.body["data"]["c11"] == {"id": "c11", "title": "Course c11"}, registered.body
        await _settle(_shared(a), 1)
        answer = await b.execute(_hash_only(sha))
        assert answer.body == registered.body
    finally:
        await a.aclose()
        await b.aclose()


def test_two_workers_of_bff_serve_share_apq_documents_through_redis(tmp_path, supergraph_file, redis_url):
    """Registered on one worker of `bff serve --workers 2`, known on the other (which never saw it)."""
    import httpx

    from .conftest import BFF_URL, bff_argv, clean_env, running

    config = tmp_path / "bff.yaml"
    config.write_text(f"supergraph:\n  file: {supergraph_file}\nserver:\n  workers: 2\n  worker_header: true\n"
                      f"persisted_documents:\n  apq:\n    enabled: true\n"
                      f"    shared_store: \"{redis_url}/0?prefix=workers:&timeout=2\"\n")
    ext = {"persistedQuery": {"version": 1, "sha256Hash": SHA}}
    with running(bff_argv("--config", str(config)), clean_env(), BFF_URL) as (base, process):
        process.wait_for(r"(?s)(Application startup complete.*){2}")
        registered = httpx.post(f"{base}/graphql", json={"query": DOC, "extensions": ext},
                                headers={"connection": "close"})
        assert registered.json() == ANSWER
        first = registered.headers["x-bff-worker"]
        time.sleep(0.2)  # the write goes out in the background as the response is sent
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # fresh connections until the other worker answers
            answer = httpx.post(f"{base}/graphql", json={"extensions": ext}, headers={"connection": "close"})
            if answer.headers["x-bff-worker"] != first:
                assert answer.json() == ANSWER, answer.text
                break
        else:
            raise AssertionError("the second worker never answered")


async def test_the_store_is_used_again_once_it_is_back(supergraph_file, monkeypatch):
    """After an outage (and a restart that dropped every pooled connection) both lookups and writes
    work again once the backoff has passed: no lost write on the stale connection."""
    from gateway.shared_cache import health

    monkeypatch.setattr(health, "BACKOFF_SECONDS", 0.3)  # the 5 s pause after a failure, shortened
    proc, url = redis_server.start()
    port = int(url.rsplit(":", 1)[1])
    a, b = _gateway(supergraph_file, f"{url}?timeout=0.5"), _gateway(supergraph_file, f"{url}?timeout=0.5")
    other = DOC.replace("c3", "c4")
    other_sha = hashlib.sha256(other.encode()).hexdigest()
    try:
        assert (await a.execute(_register())).body == ANSWER
        await _settle(_shared(a), 1)
        redis_server.stop(proc)
        assert _code(await b.execute(_hash_only())) == "PERSISTED_QUERY_NOT_FOUND"  # down: a miss
        assert _shared(b).failures == 1
        proc, _ = redis_server.start(port)  # back, and empty (no persistence)
        await asyncio.sleep(0.4)
        # a's pooled connection died with the old server: the write goes out on a new one.
        assert (await a.execute(_register(other, other_sha))).body == {"data": {"course": {"id": "c4",
                                                                                          "title": "Course c4"}}}
        await _settle(_shared(a), 2)
        assert _shared(a).failures == 0
        answer = await b.execute(_hash_only(other_sha))
        assert answer.body == {"data": {"course": {"id": "c4", "title": "Course c4"}}}
    finally:
        await a.aclose()
        await b.aclose()
        redis_server.stop(proc)
