"""Registry operations on every store: publish, compose, refuse, remove, history, concurrency."""

from __future__ import annotations

import multiprocessing
import socket
import threading

import pytest
from registry_support import ACCOUNTS, LINK, REVIEWS, publish_worker, synthetic

from discovery.client import open_registry
from discovery.registry import PublishRequest, Registry
from discovery.store import open_store
from discovery.store.base import StoreUnavailable


def _pub(registry, name, sdl, url=None, **kw) -> object:
    return registry.publish(PublishRequest(name, url or f"http://{name}.local/graphql", sdl, "alice", **kw))


@pytest.fixture
def registry(registry_url):
    r = open_registry(registry_url)
    yield r
    r.store.close()


def _state(registry) -> tuple:
    snap = registry.store.snapshot()
    return snap.version, sorted(snap.services), snap.supergraph, len(registry.history())


def test_publish_composes_and_the_gateway_reads_the_supergraph(registry):
    first = _pub(registry, "accounts", ACCOUNTS)
    second = _pub(registry, "reviews", REVIEWS)
    assert (first.ok, first.version, second.ok, second.version) == (True, 1, True, 2)
    stored = registry.supergraph()
    assert stored.version == 2 and registry.version() == 2
    from gateway.gateway import Gateway

    gateway = Gateway(stored.sdl)
    assert {s.name for s in gateway.supergraph.subgraphs.values()} == {"accounts", "reviews"}
    assert [s.name for s in registry.services()] == ["accounts", "reviews"]
    assert registry.show("reviews").endpoint == "http://reviews.local/graphql"


def test_republishing_the_same_thing_makes_no_version(registry):
    _pub(registry, "accounts", ACCOUNTS)
    again = _pub(registry, "accounts", ACCOUNTS)
    assert again.ok and not again.changed and again.version == 1
    assert registry.version() == 1


def test_composition_failure_writes_nothing(registry):
    _pub(registry, "accounts", ACCOUNTS)
    before = _state(registry)
    outcome = _pub(registry, "clash", LINK + "type Query { me: Int }")
    assert not outcome.ok
    assert {p.code for p in outcome.problems} >= {"FIELD_TYPE_MISMATCH"}
    assert any("Query.me" == p.coordinate for p in outcome.problems)
    assert _state(registry) == before


def test_breaking_change_refused_unless_allowed(registry):
    _pub(registry, "accounts", ACCOUNTS)
    narrowed = LINK + 'type Query { me: User } type User @key(fields: "id") { id: ID! }'
    refused = _pub(registry, "accounts", narrowed)
    assert not refused.ok and [p.code for p in refused.problems] == ["BREAKING_CHANGE"]
    assert "User.name" in refused.problems[0].message
    assert registry.version() == 1
    required_arg = LINK + 'type Query { me(id: ID!): User } type User @key(fields: "id") { id: ID! name: String }'
    assert "argument" in _pub(registry, "accounts", required_arg).problems[0].message.lower()
    accepted = _pub(registry, "accounts", narrowed, allow_breaking=True)
    assert accepted.ok and accepted.version == 2
    # Additions are not breaking.
    assert _pub(registry, "accounts", ACCOUNTS.replace("name: String", "name: String email: String")).ok


@pytest.mark.parametrize("name, url, sdl, ref, code", [
    ("1bad", "http://x/graphql", ACCOUNTS, None, "INVALID_NAME"),
    ("bad name", "http://x/graphql", ACCOUNTS, None, "INVALID_NAME"),
    ("ok", "ftp://x/graphql", ACCOUNTS, None, "INVALID_ENDPOINT"),
    ("ok", "lambda:", ACCOUNTS, None, "INVALID_ENDPOINT"),
    ("ok", "http://x/graphql", "type Query {", None, "INVALID_SDL"),
    ("ok", "http://x/graphql", "type Query { a: Int }\n#" + "x" * 1_000_001, None, "SDL_TOO_LARGE"),
    ("ok", "http://x/graphql", ACCOUNTS, "sk_live_abcdefghijklmnopqrstuvwxyz012345", "INVALID_API_KEY_REF"),
    ("ok", "http://x/graphql", ACCOUNTS, "env:not a name", "INVALID_API_KEY_REF"),
])
def test_bad_input_is_refused_with_a_clear_reason(registry, name, url, sdl, ref, code):
    outcome = registry.publish(PublishRequest(name, url, sdl, "alice", api_key_ref=ref))
    assert not outcome.ok and outcome.problems[0].code == code
    assert ref is None or ref not in outcome.problems[0].message  # never echo what may be a key
    assert registry.version() == 0


def test_endpoint_forms_and_references_accepted(registry):
    assert _pub(registry, "accounts", ACCOUNTS, url="lambda:accounts-fn:live", api_key_ref="ssm:/bff/keys/accounts").ok
    assert _pub(registry, "reviews", REVIEWS, url="https://reviews.example.com/graphql",
                api_key_ref="secretsmanager:bff/reviews#key").ok
    assert registry.show("accounts").api_key_ref == "ssm:/bff/keys/accounts"


def test_remove_and_history(registry):
    _pub(registry, "accounts", ACCOUNTS)
    _pub(registry, "reviews", REVIEWS)
    _pub(registry, "reviews", REVIEWS, url="http://reviews-v2.local/graphql")
    refused = registry.remove("reviews", "bob")  # the same breaking-change check as a publish
    assert not refused.ok and refused.problems[0].code == "BREAKING_CHANGE" and "--allow-breaking" in refused.summary
    assert registry.version() == 3
    removed = registry.remove("reviews", "bob", allow_breaking=True)
    assert removed.ok and removed.version == 4
    assert "breaking" in removed.summary and "allowed by bob" in removed.summary
    assert not registry.remove("reviews", "bob", allow_breaking=True).ok
    assert [s.name for s in registry.services()] == ["accounts"]
    events = registry.history("reviews")
    assert [(e.version, e.action, e.actor) for e in events] == [(2, "publish", "alice"), (3, "publish", "alice"),
                                                               (4, "remove", "bob")]
    assert "endpoint http://reviews.local/graphql -> http://reviews-v2.local/graphql" in events[1].summary
    assert len(registry.history()) == 4
    assert registry.remove("accounts", "bob", allow_breaking=True).ok
    assert registry.supergraph().sdl is None and registry.version() == 5


def test_concurrent_publishes_from_processes_lose_nothing(registry_url):
    names = [f"svc{i}" for i in range(6)]
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(names))
    queue = ctx.Queue()
    procs = [ctx.Process(target=publish_worker, args=(registry_url, n, barrier, queue)) for n in names]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in names]
    for p in procs:
        p.join(timeout=30)
    assert all(ok for ok, _, _ in results), results
    assert sorted(v for _, v, _ in results) == [1, 2, 3, 4, 5, 6]
    registry = open_registry(registry_url)
    assert registry.version() == 6
    assert [s.name for s in registry.services()] == names
    assert [e.version for e in registry.history()] == [1, 2, 3, 4, 5, 6]
    from gateway.gateway import Gateway

    gateway = Gateway(registry.supergraph().sdl)
    assert {s.name for s in gateway.supergraph.subgraphs.values()} == set(names)


class _FailingCommit:
    """A store whose writes time out: the registry must report it and leave the graph as it was."""

    def __init__(self, store) -> None:
        self.inner = store

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def commit(self, change) -> None:
        raise StoreUnavailable("DynamoDB did not answer (ReadTimeoutError)")


def test_store_timeout_reports_and_writes_nothing(registry):
    _pub(registry, "accounts", ACCOUNTS)
    before = _state(registry)
    failing = Registry(_FailingCommit(registry.store))
    outcome = _pub(failing, "reviews", REVIEWS)
    assert not outcome.ok and outcome.problems[0].code == "REGISTRY_UNAVAILABLE"
    assert "did not answer" in outcome.problems[0].message
    assert _state(registry) == before


def test_unresponsive_dynamodb_is_a_clear_error_not_a_hang():
    # A socket that accepts and never answers: the store must give up within its timeout.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    stop = threading.Event()
    try:
        store = open_store(f"dynamodb://t?endpoint=http://127.0.0.1:{port}&region=us-east-1&timeout=0.3")
        outcome = Registry(store).publish(PublishRequest("accounts", "http://a/graphql", ACCOUNTS, "alice"))
        assert not outcome.ok and outcome.problems[0].code == "REGISTRY_UNAVAILABLE"
        with pytest.raises(StoreUnavailable):
            store.current_version()
    finally:
        stop.set()
        listener.close()


def test_many_synthetic_services_compose(registry):
    for i in range(12):
        assert _pub(registry, f"s{i}", synthetic(f"s{i}", i)).ok
    assert registry.version() == 12
