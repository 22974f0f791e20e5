"""reviews over HTTP: reviews and ratings, @provides, @requires, @external, @shareable."""

from __future__ import annotations

import pytest

ALL_COURSES = [{"__typename": "Course", "id": f"c{i}"} for i in range(1, 11)]


@pytest.fixture(scope="module")
def course_reviews(entities) -> dict[str, list[dict]]:
    body = entities("reviews", ALL_COURSES, "... on Course { id reviews { id rating author { id } } }")
    assert "errors" not in body, body
    return {e["id"]: e["reviews"] for e in body["data"]["_entities"]}


def test_seed_has_over_a_hundred_reviews_spread_over_courses(course_reviews):
    ids = [r["id"] for reviews in course_reviews.values() for r in reviews]
    assert len(ids) == len(set(ids)) >= 100
    assert course_reviews["c10"] == []
    assert all(len(course_reviews[f"c{i}"]) >= 10 for i in range(1, 10))
    assert {r["rating"] for reviews in course_reviews.values() for r in reviews} == {1, 2, 3, 4, 5}


def test_average_rating_is_the_mean_of_the_course_reviews(entities, course_reviews):
    body = entities("reviews", ALL_COURSES, "... on Course { id averageRating }")
    for entity in body["data"]["_entities"]:
        ratings = [r["rating"] for r in course_reviews[entity["id"]]]
        expected = round(sum(ratings) / len(ratings), 2) if ratings else None
        assert entity["averageRating"] == expected, entity["id"]


def test_rating_summary_uses_the_title_from_the_representation(entities, course_reviews):
    # The title is whatever the gateway fetched from courses (@requires): not a local copy.
    reps = [{"__typename": "Course", "id": "c3", "title": "A Title Only The Test Knows"}, {"__typename": "Course", "id": "c10", "title": "Empty"}]
    body = entities("reviews", reps, "... on Course { ratingSummary }")
    assert "errors" not in body, body
    ratings = [r["rating"] for r in course_reviews["c3"]]
    first, second = body["data"]["_entities"]
    assert first["ratingSummary"] == f"A Title Only The Test Knows: {sum(ratings) / len(ratings):.1f}/5 from {len(ratings)} reviews"
    assert second["ratingSummary"] == "Empty: no reviews yet"


def test_rating_summary_without_the_required_title_is_an_error(entities):
    body = entities("reviews", [{"__typename": "Course", "id": "c3"}], "... on Course { id ratingSummary }")
    assert body["data"]["_entities"] == [None]
    assert body["errors"][0]["extensions"]["code"] == "MISSING_REQUIRED_FIELD"
    assert body["errors"][0]["path"] == ["_entities", 0, "ratingSummary"]


def test_review_author_name_is_provided_and_matches_accounts(graphql):
    # @provides(fields: "name"): reviews answers author { name } itself, and its copy must agree with accounts.
    reviews = graphql("reviews", "{ latestReviews(limit: 30) { id author { id name } } }")["data"]["latestReviews"]
    assert len(reviews) == 30
    users = {u["id"]: u["name"] for u in graphql("accounts", "{ users { id name } }")["data"]["users"]}
    assert all(r["author"]["name"] == users[r["author"]["id"]] for r in reviews)
    assert len({r["author"]["id"] for r in reviews}) > 5


def test_latest_reviews_newest_first_and_limit(graphql):
    ids = [r["id"] for r in graphql("reviews", "{ latestReviews(limit: 3) { id } }")["data"]["latestReviews"]]
    numbers = [int(i.removeprefix("r")) for i in ids]
    assert len(numbers) == 3 and numbers == sorted(numbers, reverse=True)
    assert graphql("reviews", "{ latestReviews(limit: 0) { id } }")["data"]["latestReviews"] == []


def test_user_reviews_and_review_entities(graphql, entities, course_reviews):
    by_author = sorted(r["id"] for reviews in course_reviews.values() for r in reviews if r["author"]["id"] == "u5")
    body = entities("reviews", [{"__typename": "User", "id": "u5"}], "... on User { reviews { id } }")
    assert sorted(r["id"] for r in body["data"]["_entities"][0]["reviews"]) == by_author
    assert by_author
    first = by_author[0]
    body = entities("reviews", [{"__typename": "Review", "id": first}, {"__typename": "Review", "id": "r0"}], "... on Review { id author { id } }")
    assert body["data"]["_entities"] == [{"id": first, "author": {"id": "u5"}}, None]


def test_sdl_uses_provides_requires_external_and_shareable(directives, service_sdl):
    assert directives("reviews", "Review") == ['@key(fields: "id")']
    assert sorted(directives("reviews", "Review", "author")) == ['@provides(fields: "name")', '@tag(name: "mobile")']
    assert sorted(directives("reviews", "Review", "rating")) == ["@shareable", '@tag(name: "mobile")']
    assert directives("reviews", "User", "name") == ["@external"]
    assert directives("reviews", "Course", "title") == ["@external"]
    assert sorted(directives("reviews", "Course", "ratingSummary")) == ['@requires(fields: "title")',
                                                                        '@tag(name: "partner")']
    link = service_sdl("reviews").split("\n", 1)[0]
    assert all(f'"@{d}"' in link for d in ("key", "external", "provides", "requires", "shareable"))
