"""Contracts in the registry, on every store: stored with each graph version, checked on every publish,
remove and contract change (invalid contracts and broken contract clients refused, naming the contract),
and trusted documents validated against the contract of the client they are registered for."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bff_common.contracts.definitions import ContractDefinition, definitions_from_json
from discovery.client import open_registry
from discovery.registry import PublishRequest

TAGS = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@tag"])\n'

CATALOG = TAGS + '''
type Query {
  courses: [Course!]! @tag(name: "mobile") @tag(name: "partner")
  adminStats: Int @tag(name: "internal")
}
type Course @key(fields: "id") {
  id: ID! @tag(name: "mobile") @tag(name: "partner")
  title: String @tag(name: "mobile") @tag(name: "partner")
  price: Float @tag(name: "partner")
  draft: Boolean
}
'''

ACCOUNTS = TAGS + '''
type Query { me: User @tag(name: "mobile") }
type User @key(fields: "id") { id: ID! @tag(name: "mobile") name: String @tag(name: "mobile") }
'''

MOBILE = ContractDefinition("mobile", include=("mobile",), clients=("ios", "android"))
PARTNER = ContractDefinition("partner", include=("partner",), exclude=("internal",), paths=("/graphql/partner",))
TODAY = datetime.now(UTC).date().isoformat()


def _pub(registry, name, sdl, **kw):
    return registry.publish(PublishRequest(name, f"http://{name}.local/graphql", sdl, "alice", **kw))


@pytest.fixture
def registry(registry_url):
    r = open_registry(registry_url, create=True)
    assert _pub(r, "catalog", CATALOG).ok and _pub(r, "accounts", ACCOUNTS).ok
    yield r
    r.store.close()


def _fields(schema, type_name):
    return sorted(schema.type_map[type_name].fields) if type_name in schema.type_map else None


def test_definitions_are_stored_with_the_graph_version_and_read_with_the_supergraph(registry):
    outcome = registry.set_contract(MOBILE, "carol")
    assert outcome.ok and outcome.version == 3, outcome
    assert registry.set_contract(PARTNER, "carol").version == 4
    stored = registry.supergraph()
    assert stored.version == 4
    assert [d.name for d in definitions_from_json(stored.contracts)] == ["mobile", "partner"]
    assert definitions_from_json(stored.contracts)[0] == MOBILE
    assert [d.name for d in registry.contracts()] == ["mobile", "partner"]
    # A service publish carries the definitions into the next version.
    assert _pub(registry, "accounts", ACCOUNTS.replace(" }\n", " nick: String }\n")).ok
    stored = registry.supergraph()
    assert stored.version == 5 and definitions_from_json(stored.contracts) == (MOBILE, PARTNER)
    event = registry.history()[2]
    assert (event.service, event.action, event.actor) == ("contract:mobile", "contract", "carol")
    assert "include mobile" in event.summary and "clients ios, android" in event.summary
    # Setting the same definition again makes no version.
    again = registry.set_contract(MOBILE, "carol")
    assert again.ok and not again.changed and registry.version() == 5
    from bff_common.contracts.schemas import build_contract_schemas

    schemas = build_contract_schemas(stored.sdl, definitions_from_json(stored.contracts)).schemas
    assert _fields(schemas["mobile"], "Query") == ["courses", "me"]
    assert _fields(schemas["mobile"], "Course") == ["id", "title"]
    assert _fields(schemas["partner"], "Query") == ["courses"]
    assert _fields(schemas["partner"], "Course") == ["id", "price", "title"]


def test_a_contract_without_root_fields_is_refused_naming_it(registry):
    before = registry.version()
    outcome = registry.set_contract(ContractDefinition("kiosk", include=("kiosk-only",)), "carol")
    assert not outcome.ok and registry.version() == before
    assert [p.code for p in outcome.problems] == ["CONTRACT_INVALID"]
    assert outcome.problems[0].message.startswith('contract "kiosk": ')
    assert "no fields" in outcome.problems[0].message


def test_tags_no_element_carries_are_a_warning_not_an_error(registry):
    outcome = registry.set_contract(ContractDefinition("mobile", include=("mobile", "mobil")), "carol")
    assert outcome.ok
    assert outcome.warnings == ('contract "mobile": no element carries the tag(s) mobil (a typo?)',)
    assert outcome.to_json()["warnings"] == list(outcome.warnings)


def test_a_client_claimed_by_two_contracts_is_refused(registry):
    assert registry.set_contract(MOBILE, "carol").ok
    outcome = registry.set_contract(ContractDefinition("tablet", include=("mobile",), clients=("ipad", "ios")),
                                    "carol")
    assert not outcome.ok
    assert 'the client name "ios" matches two contracts, "mobile" and "tablet"' in outcome.problems[0].message


def test_a_publish_that_leaves_a_contract_invalid_is_refused_naming_the_contract_and_element(registry):
    assert registry.set_contract(ContractDefinition("partner", include=("partner",)), "carol").ok
    before = registry.version()
    # Course.id keeps its partner tag, but the only partner root field loses it: partner has no root field.
    untagged = CATALOG.replace('courses: [Course!]! @tag(name: "mobile") @tag(name: "partner")',
                               'courses: [Course!]! @tag(name: "mobile")')
    outcome = _pub(registry, "catalog", untagged, allow_breaking=True)
    assert not outcome.ok and registry.version() == before
    assert [p.code for p in outcome.problems] == ["CONTRACT_INVALID"]
    assert outcome.problems[0].message.startswith('contract "partner": ')


def test_removing_a_service_checks_the_contracts(registry):
    assert registry.set_contract(ContractDefinition("me-only", include=("mobile",), exclude=("partner",)),
                                 "carol").ok  # only Query.me stays: accounts' field
    outcome = registry.remove("accounts", "alice")
    assert not outcome.ok and outcome.problems[0].code == "CONTRACT_INVALID"
    assert 'contract "me-only"' in outcome.problems[0].message


def test_a_change_breaking_only_the_mobile_contract_names_the_mobile_clients(registry):
    assert registry.set_contract(MOBILE, "carol").ok
    registry.store.record_usage(TODAY, {("Course.title", "ios", "1.4", "mobile"): 12,
                                        ("Course.draft", "web", "7", ""): 3})
    # Course.title loses its mobile tag: the full API schema is unchanged, the mobile contract loses it.
    untagged = CATALOG.replace('title: String @tag(name: "mobile") @tag(name: "partner")',
                               'title: String @tag(name: "partner")')
    outcome = _pub(registry, "catalog", untagged)
    assert not outcome.ok, outcome
    assert [p.code for p in outcome.problems] == ["BREAKING_CHANGE"]
    message = outcome.problems[0].message
    assert message.startswith('contract "mobile": ') and "Course.title" in message and "by: ios 1.4" in message
    assert "web" not in message
    assert _pub(registry, "catalog", untagged, allow_breaking=True).ok


def test_a_change_to_unused_mobile_fields_passes(registry):
    assert registry.set_contract(MOBILE, "carol").ok
    registry.store.record_usage(TODAY, {("Course.title", "web", "7", ""): 3})  # web uses it, not through mobile
    untagged = CATALOG.replace('title: String @tag(name: "mobile") @tag(name: "partner")',
                               'title: String @tag(name: "partner")')
    assert _pub(registry, "catalog", untagged).ok


def test_a_contract_definition_change_goes_through_the_same_check(registry):
    assert registry.set_contract(MOBILE, "carol").ok
    registry.store.record_usage(TODAY, {("Query.me", "android", "3.0", "mobile"): 5})
    narrower = ContractDefinition("mobile", include=("mobile",), exclude=("internal",),
                                  clients=("ios", "android"))
    assert registry.set_contract(narrower, "carol").ok  # excludes nothing mobile uses
    me_less = ContractDefinition("mobile", include=("partner",), clients=("ios", "android"))
    refused = registry.set_contract(me_less, "carol")
    assert not refused.ok and "Query.me" in refused.problems[0].message and "android 3.0" in refused.problems[0].message
    removed = registry.remove_contract("mobile", "carol")
    assert not removed.ok and 'contract "mobile"' in removed.problems[0].message
    assert registry.remove_contract("mobile", "carol", allow_breaking=True).ok
    assert registry.contracts() == []
    assert registry.remove_contract("mobile", "carol").problems[0].code == "UNKNOWN_CONTRACT"


def test_documents_are_validated_against_the_contract_of_their_client(registry):
    assert registry.set_contract(MOBILE, "carol").ok
    import hashlib

    def doc(text):
        return {hashlib.sha256(text.encode()).hexdigest(): text}

    refused = registry.publish_documents("ios", "1.0", doc("{ courses { id draft } }"), "ci")
    assert not refused.ok
    assert 'Cannot query field \'draft\' on type \'Course\'' in refused.problems[0].message
    assert 'contract "mobile" of client "ios"' in refused.problems[0].message
    assert registry.publish_documents("ios", "1.0", doc("{ courses { id title } me { name } }"), "ci").ok
    # The web client has no contract: the full API schema.
    assert registry.publish_documents("web", "7", doc("{ courses { id draft } }"), "ci").ok


def test_a_registry_made_before_contracts_is_upgraded(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE graph (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL, supergraph TEXT,
                            updated_at TEXT NOT NULL);
        INSERT INTO graph VALUES (1, 0, NULL, '');
        CREATE TABLE field_usage (day TEXT NOT NULL, coordinate TEXT NOT NULL, client TEXT NOT NULL,
            client_version TEXT NOT NULL, count INTEGER NOT NULL,
            PRIMARY KEY (day, coordinate, client, client_version));
        INSERT INTO field_usage VALUES ('2024-01-01', 'Query.me', 'ios', '1', 4);""")
    db.commit()
    db.close()
    registry = open_registry(f"sqlite:///{path}")
    assert _pub(registry, "accounts", ACCOUNTS).ok and registry.set_contract(MOBILE, "carol").ok
    assert definitions_from_json(registry.supergraph().contracts) == (MOBILE,)
    rows = registry.store.usage("2024-01-01")
    assert [(r.coordinate, r.client, r.count, r.contract) for r in rows] == [("Query.me", "ios", 4, "")]


def test_the_http_api_serves_contracts_with_the_supergraph(tmp_path):
    import httpx

    from discovery.client import HttpRegistry
    from discovery.http_api import ApiConfig, create_registry_app
    from tests.support.asgi_server import serve_in_thread

    store = open_registry(f"sqlite:///{tmp_path}/api.db", create=True)
    assert _pub(store, "catalog", CATALOG).ok and _pub(store, "accounts", ACCOUNTS).ok
    with serve_in_thread(create_registry_app(store, ApiConfig(deploy_token="t")), health_path=None) as server:
        client = HttpRegistry(server.base_url, token="t")
        set_ = client.set_contract(ContractDefinition("mobile", ("mobile", "mobil"), clients=("ios",)), "ci")
        assert set_.ok and set_.version == 3 and "mobil" in set_.warnings[0]
        assert client.contracts() == [ContractDefinition("mobile", ("mobile", "mobil"), clients=("ios",))]
        stored = client.supergraph()
        assert stored.version == 3 and definitions_from_json(stored.contracts)[0].clients == ("ios",)
        bad = httpx.put(f"{server.base_url}/v1/contracts/kiosk", json={"include": ["mobile"], "exclude": ["mobile"]},
                        headers={"authorization": "Bearer t"})
        assert bad.status_code == 422 and 'both includes and excludes' in bad.json()["errors"][0]["message"]
        empty = client.set_contract(ContractDefinition("kiosk", ("none",)), "ci")
        assert not empty.ok and empty.problems[0].code == "CONTRACT_INVALID"
        assert httpx.delete(f"{server.base_url}/v1/contracts/mobile").status_code == 401
        assert client.remove_contract("mobile", "ci", allow_breaking=True).ok
        assert client.remove_contract("mobile", "ci").problems[0].code == "UNKNOWN_CONTRACT"
