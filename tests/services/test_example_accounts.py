"""accounts over HTTP: users, `me`, `User` as a federation entity, and the access model
(public names and roles; own e-mail; `me` from the signed identity; server-only lookup)."""

from __future__ import annotations

from service_identity import ADMIN

from bff_common.principal import Principal

VIEWER = Principal("viewer", subject="u7", roles=frozenset({"student"}))
OWNER_VERDICT = {"self_or_admin": "owner"}  # what the gateway forwards for a non-admin viewer


def test_users_lists_twenty_distinct_users_with_contact_details_for_an_admin(graphql):
    users = graphql("accounts", "{ users { id name email roles } }", principal=ADMIN,
                    verdicts={"self_or_admin": True})["data"]["users"]
    assert len(users) == 20
    assert len({u["id"] for u in users}) == 20
    assert all(u["email"].endswith("@example.com") and "student" in u["roles"] for u in users)


def test_a_viewer_reads_only_their_own_email(graphql):
    body = graphql("accounts", "{ users { id email } }", principal=VIEWER, verdicts=OWNER_VERDICT)
    emails = {u["id"]: u["email"] for u in body["data"]["users"]}
    assert emails.pop("u7").endswith("@example.com") and set(emails.values()) == {None}
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"} and len(body["errors"]) == 19
    anonymous = graphql("accounts", '{ user(id: "u7") { name email } }')
    assert anonymous["data"]["user"]["email"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_user_by_id_and_unknown_id(graphql):
    body = graphql("accounts", '{ a: user(id: "u1") { name roles } b: user(id: "nobody") { name } }')
    assert body["data"]["a"] == {"name": "Ada Lovelace", "roles": ["student", "admin"]}
    assert body["data"]["b"] is None
    assert "errors" not in body


def test_me_is_the_signed_caller_and_headers_do_not_change_it(graphql):
    assert graphql("accounts", "{ me { id } }", principal=VIEWER)["data"]["me"] == {"id": "u7"}
    # An x-user-id header names nobody: only the signed identity does.
    assert graphql("accounts", "{ me { id } }", principal=VIEWER, headers={"x-user-id": "u1"})["data"]["me"] == {"id": "u7"}
    anonymous = graphql("accounts", "{ me { id } }", headers={"x-user-id": "u1"})
    assert anonymous["data"]["me"] is None and anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_user_by_email_is_for_servers_only(graphql):
    query = '{ userByEmail(email: "ada.lovelace@example.com") { id } }'
    assert graphql("accounts", query, principal=Principal("server", subject="mailer"))["data"] == {"userByEmail": {"id": "u1"}}
    denied = graphql("accounts", query, principal=ADMIN)
    assert denied["data"] == {"userByEmail": None} and denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_unsigned_and_foreign_identities_are_refused(servers):
    import httpx
    import orjson
    from service_identity import signed

    body = orjson.dumps({"query": "{ users { id } }"})
    assert httpx.post(servers["accounts"].graphql_url, content=body).status_code == 401
    for_courses = signed("courses", body, ADMIN)
    assert httpx.post(servers["accounts"].graphql_url, content=body, headers=for_courses).status_code == 401


def test_introspection_and_suggestions_are_off_in_production(graphql):
    body = graphql("accounts", "{ __schema { queryType { name } } }")
    assert "data" not in body or body["data"] is None
    assert "introspection has been disabled" in body["errors"][0]["message"]
    typo = graphql("accounts", "{ users { nme } }")
    assert typo["errors"][0]["message"] == "Cannot query field 'nme' on type 'User'."
    assert graphql("accounts", "{ _service { sdl } }")["data"]["_service"]["sdl"]  # what composers read


def test_instructors_have_the_instructor_role(graphql):
    # Cross-service consistency: whoever courses names as instructor is one in accounts.
    courses = graphql("courses", "{ courses { instructor { id } } }")["data"]["courses"]
    instructor_ids = {c["instructor"]["id"] for c in courses if c["instructor"]}
    users = graphql("accounts", "{ users { id roles } }")["data"]["users"]
    assert instructor_ids == {u["id"] for u in users if "instructor" in u["roles"]}


def test_entities_resolves_user_references_in_order(graphql, entities):
    reps = [{"__typename": "User", "id": "u3"}, {"__typename": "User", "id": "missing"}, {"__typename": "User", "id": "u1"}]
    admin = {"principal": ADMIN, "verdicts": {"self_or_admin": True}}
    body = entities("accounts", reps, "... on User { id name email }", **admin)
    assert "errors" not in body, body
    by_query = {u["id"]: u for u in graphql("accounts", "{ users { id name email } }", **admin)["data"]["users"]}
    assert body["data"]["_entities"] == [by_query["u3"], None, by_query["u1"]]


def test_sdl_declares_user_as_an_entity_with_a_shareable_name(directives, service_sdl):
    assert directives("accounts", "User") == ['@key(fields: "id")']
    # @tag: the contracts the field belongs to (services/toolkit/tags.py, docs/contracts.md).
    assert sorted(directives("accounts", "User", "name")) == ["@shareable", '@tag(name: "mobile")']
    assert sorted(directives("accounts", "User", "email")) == ['@policy(policies: [["self_or_admin"]])',
                                                               '@tag(name: "mobile")']
    assert "https://specs.apollo.dev/federation/v2" in service_sdl("accounts")
