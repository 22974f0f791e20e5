"""Gateway enforcement: denied fields are null with FORBIDDEN/UNAUTHENTICATED (filter mode)
or the request is refused (reject mode); plans are cached per access decision."""

from __future__ import annotations

from .conftest import ANON, EDITOR, SERVER, VIEWER, ask


def codes(body: dict) -> dict[tuple, str]:
    return {tuple(e["path"]): e["extensions"]["code"] for e in body.get("errors", []) if "path" in e}


async def test_viewer_cannot_read_server_field(make_gateway):
    gw = make_gateway()
    body = await ask(gw, "{ serverStats users { name } }", VIEWER)
    assert body["data"] == {"serverStats": None, "users": [{"name": "Ada"}, {"name": "Bob"}]}
    assert codes(body) == {("serverStats",): "FORBIDDEN"}


async def test_server_principal_reads_server_field(make_gateway):
    gw = make_gateway()
    body = await ask(gw, "{ serverStats }", SERVER)
    assert body == {"data": {"serverStats": "42 requests"}}


async def test_missing_role_scope_and_policy(make_gateway):
    gw = make_gateway()
    body = await ask(gw, "{ users { name grades salary note } }", VIEWER)
    assert body["data"]["users"][0] == {"name": "Ada", "grades": None, "salary": None, "note": None}
    assert codes(body) == {("users", i, f): "FORBIDDEN" for i in (0, 1) for f in ("grades", "salary", "note")}
    allowed = await ask(gw, "{ users { name grades salary note } }", EDITOR)
    assert allowed == {"data": {"users": [{"name": "Ada", "grades": [1, 2], "salary": 10, "note": "n1"},
                                          {"name": "Bob", "grades": [3], "salary": 20, "note": "n2"}]}}


async def test_unknown_policy_denies(make_gateway):
    gw = make_gateway(access_policies={})
    body = await ask(gw, "{ users { note } }", EDITOR)
    assert body["data"] == {"users": [{"note": None}, {"note": None}]}
    assert set(codes(body).values()) == {"FORBIDDEN"}


async def test_anonymous_on_authenticated(make_gateway):
    gw = make_gateway()
    body = await ask(gw, "{ users { name email } }", ANON)
    assert body["data"]["users"][1] == {"name": "Bob", "email": None}
    assert codes(body) == {("users", 0, "email"): "UNAUTHENTICATED", ("users", 1, "email"): "UNAUTHENTICATED"}
    assert (await ask(gw, "{ users { email } }", VIEWER)) == {"data": {"users": [{"email": "ada@x"},
                                                                                   {"email": "bob@x"}]}}


async def test_non_null_denied_field_propagates_null(make_gateway):
    gw = make_gateway()
    query = "{ users { name reviews { body moderator } } }"
    body = await ask(gw, query, VIEWER)
    assert body["data"] is None  # moderator: String! inside non-null lists up to Query.users: [User!]!
    assert codes(body) == {("users", i, "reviews", 0, "moderator"): "FORBIDDEN" for i in (0, 1)}
    assert all("Cannot return null" not in e["message"] for e in body["errors"])
    ok = await ask(gw, query, EDITOR)
    assert ok["data"]["users"][0]["reviews"] == [{"body": "review of 1", "moderator": "mod"}]


async def test_reject_mode_refuses_whole_request(make_gateway):
    gw = make_gateway(access_mode="reject")
    response = await gw.execute(__import__("gateway.request", fromlist=["x"]).GraphQLRequest(
        query="{ users { name salary } }", principal=VIEWER))
    assert response.request_error and response.status == 403
    assert response.body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "data" not in response.body
    assert await ask(gw, "{ users { name salary } }", EDITOR) == {
        "data": {"users": [{"name": "Ada", "salary": 10}, {"name": "Bob", "salary": 20}]}}


async def test_plan_cache_separates_principals(make_gateway):
    gw = make_gateway()
    query = "query Q { users { name salary } }"
    first = await ask(gw, query, EDITOR)
    second = await ask(gw, query, VIEWER)
    third = await ask(gw, query, EDITOR)
    assert first == third == {"data": {"users": [{"name": "Ada", "salary": 10}, {"name": "Bob", "salary": 20}]}}
    assert second["data"] == {"users": [{"name": "Ada", "salary": None}, {"name": "Bob", "salary": None}]}
    # Principals that decide the operation's requirements alike share one plan.
    await ask(gw, query, SERVER)
    keys = [k for k in gw._plans._data if k[0] == query]
    assert len(keys) == 2


async def test_fragments_and_aliases(make_gateway):
    gw = make_gateway()
    body = await ask(gw, "{ users { ...F } } fragment F on User { n: name pay: salary }", VIEWER)
    assert body["data"]["users"][0] == {"n": "Ada", "pay": None}
    assert codes(body) == {("users", 0, "pay"): "FORBIDDEN", ("users", 1, "pay"): "FORBIDDEN"}


async def test_declarative_policy_allows_a_role_and_denies_another(make_gateway):
    from bff_common.principal import Principal

    gw = make_gateway(access_policies={"staff": {"any_of": [{"roles": ["staff"]}, {"roles": ["hr"]}]},
                                       "self_or_admin": {"roles": ["admin"]}})
    hr = Principal("viewer", subject="u3", roles=frozenset({"hr"}))
    student = Principal("viewer", subject="u4", roles=frozenset({"student"}))
    assert await ask(gw, "{ users { note } }", hr) == {"data": {"users": [{"note": "n1"}, {"note": "n2"}]}}
    denied = await ask(gw, "{ users { note } }", student)
    assert denied["data"] == {"users": [{"note": None}, {"note": None}]}
    assert set(codes(denied).values()) == {"FORBIDDEN"}


async def test_owner_policy_is_decided_by_the_service_per_object(make_gateway):
    from bff_common.principal import Principal

    gw = make_gateway()
    ada = Principal("viewer", subject="1")
    body = await ask(gw, "{ users { name phone } }", ada)
    assert body["data"] == {"users": [{"name": "Ada", "phone": "111"}, {"name": "Bob", "phone": None}]}
    assert codes(body) == {("users", 1, "phone"): "FORBIDDEN"}
    admin = Principal("viewer", subject="9", roles=frozenset({"admin"}))
    assert (await ask(gw, "{ users { phone } }", admin)) == {"data": {"users": [{"phone": "111"},
                                                                                 {"phone": "222"}]}}
    anonymous = await ask(gw, "{ users { phone } }", ANON)
    assert set(codes(anonymous).values()) == {"UNAUTHENTICATED"}


def test_invalid_policies_refuse_to_start(make_gateway):
    import pytest

    from gateway.access.policies import PolicyError

    with pytest.raises(PolicyError) as refused:
        make_gateway(access_policies={"staff": {"role": ["staff"]}})
    assert "security.policies.staff.role: unknown condition; did you mean `roles`?" in str(refused.value)
