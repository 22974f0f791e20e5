"""courses over HTTP: the catalogue, instructors as references, `User.coursesTaught`."""

from __future__ import annotations


def test_courses_lists_the_catalogue(graphql):
    courses = graphql("courses", "{ courses { id title description instructor { id } } }")["data"]["courses"]
    assert len(courses) == 10
    assert len({c["id"] for c in courses}) == 10
    assert all(c["title"] and c["description"] for c in courses)
    # One course has no instructor yet: a nullable entity field that is null.
    assert [c["id"] for c in courses if c["instructor"] is None] == ["c10"]


def test_course_by_id(graphql):
    body = graphql("courses", '{ course(id: "c1") { title instructor { id } } missing: course(id: "c99") { id } }')
    assert body["data"] == {"course": {"title": "Introduction to GraphQL", "instructor": {"id": "u2"}}, "missing": None}


def test_instructor_is_a_reference_with_only_fields_courses_owns(graphql):
    body = graphql("courses", '{ course(id: "c1") { instructor { name } } }')
    assert body["data"] is None
    assert "name" in body["errors"][0]["message"]


def test_entities_user_courses_taught_agrees_with_the_catalogue(graphql, entities):
    courses = graphql("courses", "{ courses { id instructor { id } } }")["data"]["courses"]
    taught: dict[str, list[str]] = {}
    for course in courses:
        if course["instructor"]:
            taught.setdefault(course["instructor"]["id"], []).append(course["id"])
    reps = [{"__typename": "User", "id": uid} for uid in [*taught, "u20"]]
    body = entities("courses", reps, "... on User { id coursesTaught { id } }")
    assert "errors" not in body, body
    got = {e["id"]: [c["id"] for c in e["coursesTaught"]] for e in body["data"]["_entities"]}
    assert got == {**taught, "u20": []}
    assert any(len(ids) > 1 for ids in taught.values())  # a list of several entities, not just one


def test_entities_resolves_course_references(graphql, entities):
    body = entities("courses", [{"__typename": "Course", "id": "c2"}, {"__typename": "Course", "id": "c404"}], "... on Course { id title }")
    assert body["data"]["_entities"] == [{"id": "c2", "title": "Federated Architectures"}, None]


def test_sdl_declares_course_and_user_entities(directives):
    assert directives("courses", "Course") == ['@key(fields: "id")']
    assert directives("courses", "User") == ['@key(fields: "id")']
