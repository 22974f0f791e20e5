"""Registry guards (discovery/guards.py) on SQLite and DynamoDB Local: access directives cannot be
removed or weakened silently, @override cannot take another team's field silently, endpoints and
secret references stay where they belong, and reads need a token."""

from __future__ import annotations

import logging

import httpx
import pytest

from discovery.client import open_registry
from discovery.guards import RegistryGuards
from discovery.http_api import ApiConfig, create_registry_app
from discovery.registry import PublishRequest
from tests.support.asgi_server import serve_in_thread

LINK = ('extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
        'import: ["@key", "@shareable", "@override", "@authenticated", "@requiresScopes", "@policy"])\n')


def accounts(email: str = "@authenticated", salary: str = '@requiresScopes(scopes: [["hr:read"]])') -> str:
    return LINK + f'''
type Query {{ user(id: ID!): User }}
type User @key(fields: "id") {{ id: ID! name: String email: String {email} salary: Int {salary} }}
'''


TAKER = LINK + '''
type Query { stats: Int }
type User @key(fields: "id") { id: ID! name: String @override(from: "accounts") }
'''


@pytest.fixture
def registry(registry_url):
    r = open_registry(registry_url)
    r.guards = RegistryGuards(allow_loopback=False)  # production settings
    yield r
    r.store.close()


def publish(registry, sdl: str, name: str = "accounts", by: str = "alice", **kw):
    return registry.publish(PublishRequest(name, f"https://{name}.internal/graphql", sdl, by, **kw))


def test_removing_an_access_directive_is_refused(registry):
    assert publish(registry, accounts()).ok
    removed = publish(registry, accounts(email=""))
    assert not removed.ok and [p.code for p in removed.problems] == ["SECURITY_CHANGE"]
    assert removed.problems[0].coordinate == "User.email"
    assert "@authenticated -> none" in removed.problems[0].message
    assert registry.version() == 1  # nothing written


def test_weakening_scopes_is_refused_and_tightening_is_not(registry):
    assert publish(registry, accounts()).ok
    weaker = publish(registry, accounts(salary='@requiresScopes(scopes: [["hr:read"], ["public"]])'))
    assert [p.coordinate for p in weaker.problems] == ["User.salary"]
    stricter = publish(registry, accounts(email='@authenticated @policy(policies: [["staff"]])'))
    assert stricter.ok, stricter.problems


def test_security_change_allowed_with_its_own_flag_and_logged(registry, caplog):
    assert publish(registry, accounts()).ok
    assert not publish(registry, accounts(email=""), allow_breaking=True).ok  # allow_breaking is not enough
    with caplog.at_level(logging.WARNING, logger="bff.registry"):
        allowed = publish(registry, accounts(email=""), by="carol", allow_security_change=True)
    assert allowed.ok
    assert "security change (User.email) allowed by carol" in registry.history("accounts")[-1].summary
    assert "allowed by carol" in caplog.text


def test_override_of_another_services_field_needs_the_flag(registry):
    assert publish(registry, accounts()).ok
    taken = publish(registry, TAKER, name="stats")
    assert not taken.ok and [(p.code, p.coordinate) for p in taken.problems] == [("OVERRIDE_NOT_ALLOWED", "User.name")]
    allowed = publish(registry, TAKER, name="stats", by="dave", allow_override=True)
    assert allowed.ok, allowed.problems
    assert "override of User.name allowed by dave" in registry.history("stats")[-1].summary


@pytest.mark.parametrize("endpoint", [
    "http://169.254.169.254/latest/meta-data/", "http://169.254.10.1/graphql", "http://[fe80::1]/graphql",
    "http://metadata.google.internal/graphql", "http://[fd00:ec2::254]/", "http://127.0.0.1:4001/graphql",
    "http://localhost/graphql", "http://[::1]/graphql", "http://[::ffff:169.254.169.254]/", "http://0.0.0.0/graphql",
])
def test_endpoints_never_link_local_metadata_or_loopback_in_production(registry, endpoint):
    outcome = registry.publish(PublishRequest("accounts", endpoint, accounts(), "alice"))
    assert [p.code for p in outcome.problems] == ["ENDPOINT_NOT_ALLOWED"], outcome.problems


def test_loopback_is_allowed_on_a_development_registry_and_schemes_are_configurable(registry):
    registry.guards = RegistryGuards(allow_loopback=True)
    assert registry.publish(PublishRequest("accounts", "http://127.0.0.1:4001/graphql", accounts(), "a")).ok
    assert not registry.publish(PublishRequest("accounts", "http://169.254.169.254/", accounts(), "a")).ok
    registry.guards = RegistryGuards(schemes=("https",))
    refused = registry.publish(PublishRequest("other", "http://o.internal/graphql", LINK + "type Query { o: Int }", "a"))
    assert [p.code for p in refused.problems] == ["ENDPOINT_NOT_ALLOWED"] and "scheme 'http'" in refused.problems[0].message


def test_secret_references_only_under_configured_prefixes(registry):
    refused = publish(registry, accounts(), api_key_ref="env:AWS_SECRET_ACCESS_KEY")
    assert [p.code for p in refused.problems] == ["SECRET_REF_NOT_ALLOWED"]
    assert publish(registry, accounts(), api_key_ref="ssm:/bff/keys/accounts").ok
    registry.guards = RegistryGuards(secret_prefixes=("ssm:/team-a/",))
    assert not publish(registry, accounts(), api_key_ref="ssm:/bff/keys/accounts").ok


def test_guard_settings_from_the_environment():
    guards = RegistryGuards.from_env({"BFF_REGISTRY_ENDPOINT_SCHEMES": "https, lambda",
                                      "BFF_REGISTRY_ALLOW_LOOPBACK": "0",
                                      "BFF_REGISTRY_SECRET_PREFIXES": "ssm:/x/,env:X_"})
    assert guards == RegistryGuards(("https", "lambda"), False, ("ssm:/x/", "env:X_"))
    with pytest.raises(ValueError):
        RegistryGuards.from_env({"BFF_REGISTRY_ALLOW_LOOPBACK": "maybe"})


def test_loopback_default_follows_the_store(registry_url, monkeypatch):
    from discovery.guards import is_local_store
    from discovery.store.dynamodb import DynamoDBStore

    monkeypatch.delenv("BFF_REGISTRY_ALLOW_LOOPBACK", raising=False)
    registry = open_registry(registry_url)
    outcome = registry.publish(PublishRequest("accounts", "http://127.0.0.1:4001/graphql", accounts(), "alice"))
    assert outcome.ok  # SQLite and DynamoDB Local on loopback: development registries
    registry.store.close()
    assert not is_local_store(DynamoDBStore("t", region="eu-west-1"))  # AWS: production
    assert not is_local_store(DynamoDBStore("t", region="eu-west-1", endpoint="https://dynamodb.eu-west-1.amazonaws.com"))


def test_http_api_forwards_the_flags_and_reads_need_a_token(tmp_path):
    registry = open_registry(f"sqlite:///{tmp_path}/r.db", create=True)
    with serve_in_thread(create_registry_app(registry, ApiConfig(deploy_token="d")), health_path=None) as server:
        client = open_registry(server.base_url, token="d")
        assert client.publish(PublishRequest("accounts", "https://a.internal/graphql", accounts(), "ci")).ok
        refused = client.publish(PublishRequest("accounts", "https://a.internal/graphql", accounts(email=""), "ci"))
        assert [p.code for p in refused.problems] == ["SECURITY_CHANGE"]
        assert client.publish(PublishRequest("accounts", "https://a.internal/graphql", accounts(email=""), "ci",
                                             allow_security_change=True)).ok
        assert httpx.get(f"{server.base_url}/v1/supergraph").status_code == 401
    with serve_in_thread(create_registry_app(registry, ApiConfig()), health_path=None) as server:
        closed = httpx.get(f"{server.base_url}/v1/services")
        assert closed.status_code == 403 and closed.json()["errors"][0]["code"] == "READS_DISABLED"
    with serve_in_thread(create_registry_app(registry, ApiConfig(open_reads=True)), health_path=None) as server:
        assert httpx.get(f"{server.base_url}/v1/version").json() == {"version": 2}
