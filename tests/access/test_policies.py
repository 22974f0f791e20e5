"""Declarative @policy rules: validation names the key path, compilation decides as documented."""

from __future__ import annotations

import pytest

from bff_common.principal import Principal
from gateway.access.policies import (
    OWNER,
    POLICIES_SCHEMA,
    POLICY_DEFS,
    PolicyError,
    compile_policies,
    outcome,
    validate_policies,
)

ADMIN = Principal("viewer", subject="a", roles=frozenset({"admin"}), scopes=frozenset({"read", "write"}),
                  claims={"org": "acme", "groups": ["ops", "dev"], "amr": "pwd mfa", "realm": {"tier": "gold"}})
STUDENT = Principal("viewer", subject="s", roles=frozenset({"student"}), scopes=frozenset({"read"}),
                    claims={"org": "other"})
SERVER = Principal("server", subject="svc")
ANON = Principal("anonymous")


def decide(rule, principal):
    return outcome(compile_policies({"p": rule})["p"], principal)


@pytest.mark.parametrize("rule,expected", [
    ({"roles": ["admin", "instructor"]}, (True, False, False, False)),
    ({"scopes": ["read", "write"]}, (True, False, False, False)),
    ({"scopes": ["read"]}, (True, True, False, False)),
    ({"kind": "server"}, (False, False, True, False)),
    ({"kind": ["viewer", "server"]}, (True, True, True, False)),
    ({"authenticated": True}, (True, True, True, False)),
    ({"authenticated": False}, (False, False, False, True)),
    ({"claim": "org", "equals": "acme"}, (True, False, False, False)),
    ({"claim": "realm.tier", "equals": "gold"}, (True, False, False, False)),
    ({"claim": "groups", "contains": "ops"}, (True, False, False, False)),
    ({"claim": "amr", "contains": "mfa"}, (True, False, False, False)),
    ({"not": {"roles": ["student"]}}, (True, False, True, True)),
    ({"any_of": [{"roles": ["student"]}, {"kind": "server"}]}, (False, True, True, False)),
    ({"all_of": [{"kind": "viewer"}, {"scopes": ["write"]}]}, (True, False, False, False)),
    ({"roles": ["admin"], "claim": "org", "equals": "other"}, (False, False, False, False)),
    ({"owner": True}, (OWNER, OWNER, False, False)),
    ({"any_of": [{"roles": ["admin"]}, {"owner": True}]}, (True, OWNER, False, False)),
    ({"all_of": [{"scopes": ["write"]}, {"owner": True}]}, (OWNER, False, False, False)),
    ({"python": "tests.access.test_policies:is_service_svc"}, (False, False, True, False)),
])
def test_rules_decide(rule, expected):
    assert validate_policies({"p": rule}) == []
    assert tuple(decide(rule, p) for p in (ADMIN, STUDENT, SERVER, ANON)) == expected


def is_service_svc(principal) -> bool:
    return principal.subject == "svc" and principal.kind == "server"


def test_python_callables_are_kept_and_a_failing_one_denies():
    def boom(principal):
        raise RuntimeError("no")

    compiled = compile_policies({"ok": lambda p: True, "boom": boom})
    assert outcome(compiled["ok"], ANON) is True and outcome(compiled["boom"], ANON) is False


@pytest.mark.parametrize("raw,message", [
    ({"admins": {"any_of": [{"roles": ["admin"]}, {"claim": 3, "equals": 1}]}},
     "security.policies.admins.any_of[1].claim: expected a claim name"),
    ({"admins": {"role": ["admin"]}}, "security.policies.admins.role: unknown condition; did you mean `roles`?"),
    ({"admins": {"roles": "admin"}}, "security.policies.admins.roles: expected a non-empty list of strings"),
    ({"x": {"claim": "org"}}, "security.policies.x.claim: give exactly one of `equals` or `contains`"),
    ({"x": {"equals": 1}}, "security.policies.x.equals: only with `claim`"),
    ({"x": {"kind": "robot"}}, "security.policies.x.kind: expected one of viewer, server, anonymous (or a list of them)"),
    ({"x": {"not": {"owner": True}}}, "security.policies.x.not.owner: not allowed under `not` (ownership is decided by the service)"),
    ({"x": {"all_of": []}}, "security.policies.x.all_of: expected a non-empty list of rules"),
    ({"x": {}}, "security.policies.x: empty rule; give at least one condition (roles, scopes, kind, authenticated, claim, ...)"),
    ({"x": ["admin"]}, "security.policies.x: expected a rule (a mapping), got a list"),
    ({"x": {"python": "no.such.module:f"}}, "security.policies.x.python: cannot load no.such.module:f: No module named 'no'"),
    (["admins"], "security.policies: expected a mapping of policy name -> rule, got a list"),
])
def test_validation_names_the_key_path(raw, message):
    assert message in validate_policies(raw)
    with pytest.raises(PolicyError):
        compile_policies(raw)


def test_every_problem_is_reported_once():
    messages = validate_policies({"a": {"roles": []}, "b": {"any_of": [{"kind": "x"}, {"owner": False}]}})
    assert messages == ["security.policies.a.roles: expected a non-empty list of strings",
                        "security.policies.b.any_of[0].kind: expected one of viewer, server, anonymous (or a list of them)",
                        "security.policies.b.any_of[1].owner: expected true"]


def test_json_schema_fragment_accepts_and_refuses_like_the_validator():
    import jsonschema  # the test extra
    schema = {**POLICIES_SCHEMA, "$defs": POLICY_DEFS}
    good = {"admins": {"any_of": [{"roles": ["admin"]}, {"claim": "org", "equals": "acme"}]}, "self": {"owner": True}}
    jsonschema.validate(good, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"admins": {"role": ["admin"]}}, schema)
