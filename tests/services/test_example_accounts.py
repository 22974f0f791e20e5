"""accounts over HTTP: users, `me`, and `User` as a federation entity."""

from __future__ import annotations


def test_users_lists_twenty_distinct_users_with_contact_details(graphql):
    users = graphql("accounts", "{ users { id name email roles } }")["data"]["users"]
    assert len(users) == 20
    assert len({u["id"] for u in users}) == 20
    assert all(u["email"].endswith("@example.com") and "student" in u["roles"] for u in users)


def test_user_by_id_and_unknown_id(graphql):
    body = graphql("accounts", '{ a: user(id: "u1") { name roles } b: user(id: "nobody") { name } }')
    assert body["data"]["a"] == {"name": "Ada Lovelace", "roles": ["student", "admin"]}
    assert body["data"]["b"] is None
    assert "errors" not in body


def test_me_is_the_user_named_by_the_x_user_id_header(graphql):
    assert graphql("accounts", "{ me { id } }", headers={"x-user-id": "u7"})["data"]["me"] == {"id": "u7"}
    # Without the header the demo user answers, so `bff dev` works without auth.
    assert graphql("accounts", "{ me { id } }")["data"]["me"] == {"id": "u1"}
    assert graphql("accounts", "{ me { id } }", headers={"x-user-id": "u999"})["data"]["me"] is None


def test_instructors_have_the_instructor_role(graphql):
    # Cross-service consistency: whoever courses names as instructor is one in accounts.
    courses = graphql("courses", "{ courses { instructor { id } } }")["data"]["courses"]
    instructor_ids = {c["instructor"]["id"] for c in courses if c["instructor"]}
    users = graphql("accounts", "{ users { id roles } }")["data"]["users"]
    assert instructor_ids == {u["id"] for u in users if "instructor" in u["roles"]}


def test_entities_resolves_user_references_in_order(graphql, entities):
    reps = [{"__typename": "User", "id": "u3"}, {"__typename": "User", "id": "missing"}, {"__typename": "User", "id": "u1"}]
    body = entities("accounts", reps, "... on User { id name email }")
    assert "errors" not in body, body
    by_query = {u["id"]: u for u in graphql("accounts", "{ users { id name email } }")["data"]["users"]}
    assert body["data"]["_entities"] == [by_query["u3"], None, by_query["u1"]]


def test_sdl_declares_user_as_an_entity_with_a_shareable_name(directives, service_sdl):
    assert directives("accounts", "User") == ['@key(fields: "id")']
    assert directives("accounts", "User", "name") == ["@shareable"]
    assert "https://specs.apollo.dev/federation/v2" in service_sdl("accounts")
