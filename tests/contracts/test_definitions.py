"""Contract definitions and per-request selection: every bad input is a clear message naming the
contract (and its key path); selection by path, claim and client name follows docs/contracts.md."""

from __future__ import annotations

import pytest

from bff_common.contracts.definitions import (
    ContractDefinition,
    definitions_from_json,
    definitions_to_json,
    parse_contracts,
)
from bff_common.principal import ANONYMOUS, Principal
from gateway.contracts.selection import ContractRefused, ContractSelector

GOOD = {
    "web": {"exclude": ["internal"], "clients": ["web"]},
    "mobile": {"include": ["mobile"], "exclude": ["internal"], "clients": ["ios", "android"],
               "paths": ["/graphql/mobile"]},
    "partner": {"include": ["partner"], "claims": {"azp": ["partner-portal"]}, "paths": ["/graphql/partner"]},
}


def test_definitions_parse_and_round_trip_through_the_registry_form():
    contracts, problems = parse_contracts(GOOD)
    assert problems == []
    assert contracts.names() == ["mobile", "partner", "web"]
    mobile = contracts.get("mobile")
    assert mobile == ContractDefinition("mobile", ("mobile",), ("internal",), ("ios", "android"), (),
                                        ("/graphql/mobile",))
    assert contracts.get("partner").claims == (("azp", ("partner-portal",)),)
    assert definitions_from_json(definitions_to_json(contracts.definitions)) == contracts.definitions


@pytest.mark.parametrize("raw, default, message", [
    ({"mobile": {"include": ["mobile", "internal"], "exclude": ["internal"]}}, "api",
     'contracts.mobile: contract "mobile" both includes and excludes the tag(s) internal'),
    ({"mobile": {"clients": ["ios"]}, "tablet": {"clients": ["ipad", "ios"]}}, "api",
     'contracts: the client name "ios" matches two contracts, "mobile" and "tablet"'),
    ({"a": {"paths": ["/graphql/x"]}, "b": {"paths": ["/graphql/x/"]}}, "api",
     'contracts: the path "/graphql/x" matches two contracts, "a" and "b"'),
    ({"a": {"claims": {"azp": ["app"]}}, "b": {"claims": {"azp": "app"}}}, "api",
     'contracts: the claim azp = "app" matches two contracts, "a" and "b"'),
    ({"mobile": {"paths": ["/graphql"]}}, "api", "contracts.mobile.paths[0]: '/graphql' cannot serve contract"),
    ({"mobile": {"include": "mobile", "tags": ["x"]}}, "api", "contracts.mobile.tags: unknown key"),
    ({"mobile": {"include": [3]}}, "api", "contracts.mobile.include[0]: expected a non-empty string, got 3"),
    ({"2fast": {}}, "api", "contracts.2fast: contract name '2fast' must start with a letter"),
    ({"api": {}}, "api", 'contracts.api: "api" is reserved'),
    ({"mobile": {}}, "tablet", "contracts.default: 'tablet' is neither \"api\""),
    ({"mobile": {"claims": {"azp": []}}}, "api", "contracts.mobile.claims.azp: expected a claim name with a "
                                                 "non-empty list of strings"),
])
def test_bad_definitions_are_refused_naming_the_contract_and_key(raw, default, message):
    _, problems = parse_contracts(raw, default)
    assert any(p.startswith(message) for p in problems), problems


def _selector(default="api"):
    contracts, problems = parse_contracts(GOOD, default)
    assert not problems
    return ContractSelector(contracts)


def _viewer(**claims):
    return Principal("viewer", subject="u1", client_name=claims.get("azp"), claims=claims)


def test_selection_by_client_name_path_and_claim():
    s = _selector()
    assert s.select({"apollographql-client-name": "ios"}, ANONYMOUS) == "mobile"
    assert s.select({"apollographql-client-name": "web"}, ANONYMOUS) == "web"
    assert s.select({}, ANONYMOUS, "/graphql/mobile") == "mobile"
    assert s.select({}, _viewer(azp="partner-portal"), "/graphql") == "partner"
    assert s.select({}, _viewer(azp="partner-portal"), "/graphql/partner/") == "partner"
    # Unknown client, no claim, plain path: the default (the full API schema).
    assert s.select({"apollographql-client-name": "curl"}, ANONYMOUS, "/graphql") is None
    assert _selector("mobile").select({}, ANONYMOUS) == "mobile"


def test_a_header_claiming_a_contract_the_token_does_not_allow_is_refused():
    s = _selector()
    with pytest.raises(ContractRefused) as refused:
        s.select({}, _viewer(azp="someone-else"), "/graphql/partner")
    assert refused.value.code == "CONTRACT_NOT_ALLOWED" and refused.value.status == 403
    assert refused.value.message == ('Contract "partner" is bound to token claims, and this caller\'s token does '
                                     'not allow it.')
    with pytest.raises(ContractRefused) as other:  # a partner token asking for the mobile contract
        s.select({"apollographql-client-name": "ios"}, _viewer(azp="partner-portal"))
    assert other.value.message == 'Contract "mobile" is not allowed for this caller\'s token.'
    with pytest.raises(ContractRefused) as conflict:
        s.select({"apollographql-client-name": "web"}, ANONYMOUS, "/graphql/mobile")
    assert conflict.value.code == "CONTRACT_CONFLICT" and conflict.value.status == 400


def test_the_default_may_refuse_requests_matching_no_contract():
    with pytest.raises(ContractRefused) as refused:
        _selector("refuse").select({"apollographql-client-name": "curl"}, ANONYMOUS)
    assert refused.value.code == "CONTRACT_REQUIRED" and "apollographql-client-name" in refused.value.message
    assert "mobile" not in refused.value.message and "partner" not in refused.value.message
