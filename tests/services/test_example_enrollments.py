"""enrollments over HTTP: the seed, fields on `User`/`Course`, and the order-sensitive `enroll`."""

from __future__ import annotations

from collections import Counter

import pytest
from service_identity import ADMIN

from bff_common.principal import Principal
from services.enrollments import data

AS_ADMIN = {"principal": ADMIN, "verdicts": {"self_or_admin": True}}


def viewer(user_id: str) -> dict:
    """A non-admin viewer, with the verdicts the gateway forwards for one ("if you own it")."""
    return {"principal": Principal("viewer", subject=user_id, roles=frozenset({"student"})),
            "verdicts": {"self": "owner", "self_or_admin": "owner"}}


@pytest.fixture
def fresh_enrollments():
    """`enroll` changes state the other tests read: start from, and leave, the seed."""
    data.reset()
    yield
    data.reset()


def test_enrollments_are_distinct_user_course_pairs(graphql):
    rows = graphql("enrollments", "{ enrollments { id user { id } course { id } progress } }", **AS_ADMIN)["data"]["enrollments"]
    assert len(rows) == 40
    assert len({(r["user"]["id"], r["course"]["id"]) for r in rows}) == 40
    assert all(r["progress"] is None or 0 <= r["progress"] <= 1 for r in rows)
    assert any(r["progress"] is None for r in rows)


def test_course_enrollment_count_and_students_agree_with_the_list(graphql, entities):
    rows = graphql("enrollments", "{ enrollments { user { id } course { id } } }", **AS_ADMIN)["data"]["enrollments"]
    counts = Counter(r["course"]["id"] for r in rows)
    reps = [{"__typename": "Course", "id": cid} for cid in ["c1", "c5", "c10"]]
    body = entities("enrollments", reps, "... on Course { id enrollmentCount students { id } }", **AS_ADMIN)
    assert "errors" not in body, body
    for entity in body["data"]["_entities"]:
        students = {s["id"] for s in entity["students"]}
        assert entity["enrollmentCount"] == counts[entity["id"]] == len(entity["students"])
        assert students == {r["user"]["id"] for r in rows if r["course"]["id"] == entity["id"]}
    assert body["data"]["_entities"][2] == {"id": "c10", "enrollmentCount": 0, "students": []}


def test_user_enrollments_via_entities(graphql, entities):
    rows = graphql("enrollments", "{ enrollments { id user { id } } }", **AS_ADMIN)["data"]["enrollments"]
    body = entities("enrollments", [{"__typename": "User", "id": "u4"}], "... on User { enrollments { id course { id } } }",
                    **viewer("u4"))
    got = [e["id"] for e in body["data"]["_entities"][0]["enrollments"]]
    assert got == [r["id"] for r in rows if r["user"]["id"] == "u4"]
    assert len(got) == 2


def test_a_viewer_reads_only_their_own_enrollments(entities):
    reps = [{"__typename": "User", "id": "u4"}, {"__typename": "User", "id": "u5"}]
    body = entities("enrollments", reps, "... on User { enrollments { id } }", **viewer("u4"))
    assert body["data"]["_entities"][0]["enrollments"] and body["data"]["_entities"][1] == {"enrollments": None}
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [(["_entities", 1, "enrollments"], "FORBIDDEN")]


def test_students_and_the_full_list_need_their_roles(graphql, entities):
    student = viewer("u4")
    assert graphql("enrollments", "{ enrollments { id } }", **student)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = entities("enrollments", [{"__typename": "Course", "id": "c1"}], "... on Course { enrollmentCount students { id } }",
                    **student)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    instructor = Principal("viewer", subject="u2", roles=frozenset({"instructor"}))
    ok = entities("enrollments", [{"__typename": "Course", "id": "c1"}], "... on Course { students { id } }", principal=instructor)
    assert "errors" not in ok and ok["data"]["_entities"][0]["students"]


def test_enroll_only_as_oneself(graphql, entities, fresh_enrollments):
    other = graphql("enrollments", 'mutation { enroll(userId: "u3", courseId: "c10") { id } }', **viewer("u4"))
    assert other["data"] == {"enroll": None} and other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = graphql("enrollments", 'mutation { enroll(userId: "u3", courseId: "c10") { id } }')
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    after = entities("enrollments", [{"__typename": "Course", "id": "c10"}], "... on Course { enrollmentCount }")
    assert after["data"]["_entities"] == [{"enrollmentCount": 0}]  # nothing was written


def test_enroll_twice_in_one_operation_runs_in_order(graphql, entities, fresh_enrollments):
    mutation = """mutation {
      first: enroll(userId: "u3", courseId: "c10") { id user { id } course { id } progress }
      again: enroll(userId: "u3", courseId: "c10") { id }
    }"""
    body = graphql("enrollments", mutation, **viewer("u3"))
    assert body["data"]["first"] == {"id": "e41", "user": {"id": "u3"}, "course": {"id": "c10"}, "progress": 0.0}
    assert body["data"]["again"] is None
    [error] = body["errors"]
    assert error["path"] == ["again"]
    assert error["extensions"]["code"] == "ALREADY_ENROLLED"
    after = entities("enrollments", [{"__typename": "Course", "id": "c10"}], "... on Course { enrollmentCount students { id } }",
                     **AS_ADMIN)
    assert after["data"]["_entities"] == [{"enrollmentCount": 1, "students": [{"id": "u3"}]}]


def test_enroll_ids_follow_the_order_of_mutation_fields(graphql, fresh_enrollments):
    body = graphql("enrollments", 'mutation { b: enroll(userId: "u9", courseId: "c10") { id } a: enroll(userId: "u9", courseId: "c1") { id } }',
                   **viewer("u9"))
    assert body["data"] == {"b": {"id": "e41"}, "a": {"id": "e42"}}


def test_enroll_unknown_course_is_a_field_error(graphql, fresh_enrollments):
    body = graphql("enrollments", 'mutation { enroll(userId: "u1", courseId: "c404") { id } }', **viewer("u1"))
    assert body["data"] == {"enroll": None}
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_sdl_declares_user_and_course_entities(directives, service_sdl):
    assert directives("enrollments", "User") == ['@key(fields: "id")']
    assert directives("enrollments", "Course") == ['@key(fields: "id")']
    assert ('enroll(userId: ID! @tag(name: "mobile"), courseId: ID! @tag(name: "mobile")): Enrollment'
            in service_sdl("enrollments"))
