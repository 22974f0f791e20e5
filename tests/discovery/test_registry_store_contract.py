"""One contract for every registry store (SQLite, DynamoDB Local): same calls, same answers."""

from __future__ import annotations

import random
import string

import pytest

from discovery.model import Commit, HistoryEvent, Service
from discovery.store.base import VersionConflict


def _event(version: int, service: str, action: str = "publish") -> HistoryEvent:
    return HistoryEvent(version, service, action, "alice", f"2026-01-01T00:00:{version:02d}Z", f"{action} {service}",
                        f"http://{service}.local/graphql")


def _service(name: str, sdl: str = "type Query { a: Int }", **kw) -> Service:
    return Service(name, f"http://{name}.local/graphql", sdl, published_by="alice", published_at="t", **kw)


def _publish(store, expected: int, service: Service, supergraph: str | None = "SUPERGRAPH") -> None:
    store.commit(Commit(expected, _event(expected + 1, service.name), supergraph, upsert=service))


def test_empty_store_is_version_zero(store):
    assert store.current_version() == 0
    snap = store.snapshot()
    assert (snap.version, snap.services, snap.supergraph) == (0, {}, None)
    assert (store.supergraph().version, store.supergraph().sdl) == (0, None)
    assert store.history() == []


def test_commit_advances_version_and_stores_everything(store):
    a = _service("accounts", lookups=[{"type": "User", "field": "userById", "arguments": {"id": "id"}}], api_key_ref="ssm:/bff/keys/accounts")
    _publish(store, 0, a, "SG v1")
    _publish(store, 1, _service("reviews"), "SG v2")
    assert store.current_version() == 2
    snap = store.snapshot()
    assert snap.version == 2 and snap.supergraph == "SG v2"
    got = snap.services["accounts"]
    assert (got.endpoint, got.sdl, got.lookups, got.api_key_ref, got.revision) == (
        a.endpoint, a.sdl, [{"type": "User", "field": "userById", "arguments": {"id": "id"}}], "ssm:/bff/keys/accounts", 1)
    assert snap.services["reviews"].revision == 2
    assert (store.supergraph().version, store.supergraph().sdl) == (2, "SG v2")
    assert [(e.version, e.service, e.actor) for e in store.history()] == [(1, "accounts", "alice"), (2, "reviews", "alice")]
    assert [e.version for e in store.history("reviews")] == [2]


def test_replace_and_remove(store):
    _publish(store, 0, _service("accounts"))
    _publish(store, 1, _service("accounts", "type Query { b: Int }"), "SG2")
    assert store.snapshot().services["accounts"].sdl == "type Query { b: Int }"
    store.commit(Commit(2, _event(3, "accounts", "remove"), None, remove="accounts"))
    snap = store.snapshot()
    assert (snap.version, snap.services, snap.supergraph) == (3, {}, None)
    assert (store.supergraph().version, store.supergraph().sdl) == (3, None)
    assert [e.action for e in store.history("accounts")] == ["publish", "publish", "remove"]


def test_stale_commit_is_refused_and_writes_nothing(store):
    _publish(store, 0, _service("accounts"), "SG1")
    with pytest.raises(VersionConflict):
        _publish(store, 0, _service("reviews"), "SG-stale")
    snap = store.snapshot()
    assert snap.version == 1 and set(snap.services) == {"accounts"} and snap.supergraph == "SG1"
    assert len(store.history()) == 1


def test_large_blobs_round_trip(store):
    # Incompressible text larger than a DynamoDB item (400 KB): the store must split it.
    rng = random.Random(7)
    noise = "".join(rng.choice(string.ascii_letters) for _ in range(900_000))
    sdl = f'"""{noise}"""\ntype Query {{ a: Int }}'
    _publish(store, 0, _service("big", sdl), "S" + noise)
    _publish(store, 1, _service("big", sdl + " "), "T" + noise)  # replace: old parts go, new parts come
    snap = store.snapshot()
    assert snap.services["big"].sdl == sdl + " "
    assert snap.supergraph == "T" + noise
    assert store.supergraph().sdl == "T" + noise


def test_many_versions_keep_the_latest_supergraph(store):
    for v in range(6):
        _publish(store, v, _service(f"s{v}"), f"SG{v + 1}")
    assert (store.supergraph().version, store.supergraph().sdl) == (6, "SG6")
    assert store.snapshot().supergraph == "SG6"
