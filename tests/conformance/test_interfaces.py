"""Interfaces and unions over several subgraphs: an entity interface (@key on
interface), @interfaceObject, a union whose members get fields from other
subgraphs, type conditions, fragments on interfaces, __typename at any level.

library (Node): interface Media @key(id) { id title }, Book, Movie, union Featured, library/featured/media
ratings (strawberry): Media @interfaceObject @key(id) { rating }, topRated
stock (strawberry): Book @key(id) { copies }
"""

from __future__ import annotations

import strawberry

from .harness import Case, NodeSubgraph, PySubgraph, Scenario, representations, strawberry_app

RATINGS = {"b1": 5, "m1": 4, "b2": 3, "m2": 5}
COPIES = {"b1": 2, "b2": 0}


@strawberry.federation.interface_object(keys=["id"])
class Media:
    id: strawberry.ID

    @strawberry.field
    def rating(self) -> int:
        return RATINGS[self.id]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Media:
        return cls(id=id)


@strawberry.type
class RatingsQuery:
    @strawberry.field
    def top_rated(self) -> list[Media]:
        return [Media(id=i) for i, r in RATINGS.items() if r >= 5]


@strawberry.federation.type(keys=["id"])
class Book:
    id: strawberry.ID

    @strawberry.field
    def copies(self) -> int:
        return COPIES[self.id]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Book:
        return cls(id=id)


SCENARIO = Scenario(
    "interfaces",
    [
        NodeSubgraph("library", "interfaces_library.mjs"),
        PySubgraph("ratings", lambda: strawberry_app(query=RatingsQuery, types=[Media])),
        PySubgraph("stock", lambda: strawberry_app(types=[Book])),
    ],
)


def _interface_object_representations(logs):
    # ratings only knows "Media": the gateway must send __typename "Media", not Book/Movie.
    reps = representations(logs["ratings"])
    assert reps, logs["ratings"]
    for batch in reps:
        for rep in batch:
            assert rep["__typename"] == "Media", batch


CASES = [
    Case(
        "type_conditions_one_subgraph",
        "{ library { __typename id title ... on Book { author } ... on Movie { director } } }",
        {"data": {"library": [
            {"__typename": "Book", "id": "b1", "title": "Dune", "author": "Herbert"},
            {"__typename": "Movie", "id": "m1", "title": "Alien", "director": "Scott"},
            {"__typename": "Book", "id": "b2", "title": "Emma", "author": "Austen"},
            {"__typename": "Movie", "id": "m2", "title": "Heat", "director": "Mann"},
        ]}},
        requests={"library": 1},
    ),
    Case(
        "interface_object_field",
        "{ library { title rating } }",
        {"data": {"library": [
            {"title": "Dune", "rating": 5},
            {"title": "Alien", "rating": 4},
            {"title": "Emma", "rating": 3},
            {"title": "Heat", "rating": 5},
        ]}},
        requests={"library": 1, "ratings": 1},
        check_requests=_interface_object_representations,
    ),
    Case(
        "interface_object_root_resolves_typename",
        "{ topRated { __typename id title rating } }",
        {"data": {"topRated": [
            {"__typename": "Book", "id": "b1", "title": "Dune", "rating": 5},
            {"__typename": "Movie", "id": "m2", "title": "Heat", "rating": 5},
        ]}},
        requests={"ratings": 1, "library": 1},
    ),
    Case(
        "interface_object_then_type_conditions_then_third_subgraph",
        "{ topRated { id ... on Book { author copies } ... on Movie { director } } }",
        {"data": {"topRated": [
            {"id": "b1", "author": "Herbert", "copies": 2},
            {"id": "m2", "director": "Mann"},
        ]}},
        requests={"ratings": 1, "library": 1, "stock": 1},
    ),
    Case(
        "union_members_fields_from_other_subgraphs",
        "{ featured { __typename ... on Book { title copies rating } ... on Movie { title rating } } }",
        {"data": {"featured": [
            {"__typename": "Movie", "title": "Heat", "rating": 5},
            {"__typename": "Book", "title": "Dune", "copies": 2, "rating": 5},
        ]}},
    ),
    Case(
        "named_fragment_on_interface",
        "query Lib { library { ...M } } fragment M on Media { id ... on Book { title } rating }",
        {"data": {"library": [
            {"id": "b1", "title": "Dune", "rating": 5},
            {"id": "m1", "rating": 4},
            {"id": "b2", "title": "Emma", "rating": 3},
            {"id": "m2", "rating": 5},
        ]}},
        requests={"library": 1, "ratings": 1},
    ),
    Case(
        "interface_fragment_inside_union",
        "{ featured { ... on Media { id title } ... on Book { author } } }",
        {"data": {"featured": [
            {"id": "m2", "title": "Heat"},
            {"id": "b1", "title": "Dune", "author": "Herbert"},
        ]}},
        requests={"library": 1},
    ),
    Case(
        "typename_everywhere",
        '{ __typename media(id: "b2") { t: __typename __typename ... on Book { __typename copies } } }',
        {"data": {"__typename": "Query", "media": {"t": "Book", "__typename": "Book", "copies": 0}}},
        requests={"library": 1, "stock": 1},
    ),
    Case(
        "same_response_name_different_fields_per_type",
        "{ library { ... on Book { info: author } ... on Movie { info: director } } }",
        {"data": {"library": [{"info": "Herbert"}, {"info": "Scott"}, {"info": "Austen"}, {"info": "Mann"}]}},
        requests={"library": 1},
    ),
    Case(
        "same_response_name_per_type_in_entity_fetch",
        "{ topRated { rating ... on Book { x: author copies } ... on Movie { x: title } } }",
        {"data": {"topRated": [{"rating": 5, "x": "Herbert", "copies": 2}, {"rating": 5, "x": "Heat"}]}},
        requests={"ratings": 1, "library": 1, "stock": 1},
    ),
    Case(
        "missing_entity_is_null",
        '{ media(id: "nope") { id title rating } }',
        {"data": {"media": None}},
        requests={"library": 1},
    ),
]


async def test_gateway(case, env):
    await env.check_ours(case)


async def test_apollo_reference(case, env):
    await env.check_apollo(case)


async def test_differential(case, env):
    await env.differential(case)


def test_plan_interface_object_sequence(env):
    plan = env.explain("{ topRated { id ... on Book { author copies } } }")
    assert '"ratings"' in plan and '"library"' in plan and '"stock"' in plan, plan
    assert "Sequence" in plan, plan
    assert plan.index('"ratings"') < plan.index('"library"') < plan.index('"stock"'), plan
