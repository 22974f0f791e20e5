"""Errors that say where: every piece of data a failed or malformed subgraph answer leaves
missing has an error whose `path` points at it, and no error points at data that arrived.

Real loopback subgraphs (`FaultServer`): alpha owns the courses, beta the entity fields
`Course.rating` / `Course.seats: Int!` and the root field `b`. An entity fetch that fails
gives one error per affected object (as Apollo Router does), a root fetch one per root
field it would have filled.
"""

from __future__ import annotations

import pytest
from entities import alpha_answer, beta_answer, entity_supergraph
from subgraphs import FaultServer

from gateway.config import GatewayConfig
from gateway.gateway import Gateway
from gateway.request import GraphQLRequest

COURSE_PATHS = [["courses", 0], ["courses", 1], ["courses", 2]]
TITLES = ["Compilers", "Databases", "Networks"]


@pytest.fixture
async def servers():
    async with FaultServer("alpha", answer=alpha_answer) as alpha, FaultServer("beta", answer=beta_answer) as beta:
        yield alpha, beta


def gateway_for(alpha: FaultServer, beta: FaultServer, config: GatewayConfig | None = None) -> Gateway:
    config = config or GatewayConfig(subgraph_timeout=2.0, subgraph_timeouts={"beta": 0.3},
                                     retry_base_delay=0.001, retry_max_delay=0.01)
    return Gateway(entity_supergraph(alpha.url, beta.url), config)


async def run(gateway: Gateway, query: str, **kwargs) -> dict:
    return (await gateway.execute(GraphQLRequest(query=query, **kwargs))).body


def paths(body: dict) -> list:
    return [e.get("path") for e in body.get("errors", [])]


async def test_healthy_graph_answers_without_errors(servers):
    gateway = gateway_for(*servers)
    body = await run(gateway, "{ courses { title rating seats } b }")
    assert body == {"data": {"courses": [
        {"title": "Compilers", "rating": 4.5, "seats": 30},
        {"title": "Databases", "rating": 3.0, "seats": 20},
        {"title": "Networks", "rating": None, "seats": 10},
    ], "b": "beta"}}
    await gateway.aclose()


FAULTS = [
    ("refuse", 'Subgraph "beta" could not be reached'),
    ("500", 'Subgraph "beta" answered HTTP 500'),
    ("garbage", 'Subgraph "beta" answered something that is not a GraphQL response'),
    ("cut", 'Subgraph "beta" could not be reached'),
    ("hang", 'Subgraph "beta" did not answer in time'),
]


@pytest.mark.parametrize("mode, message", FAULTS)
async def test_failed_entity_fetch_has_one_error_per_affected_object(servers, mode, message):
    alpha, beta = servers
    beta.mode = mode
    gateway = gateway_for(alpha, beta)
    body = await run(gateway, "{ courses { title rating } }")
    assert body["data"] == {"courses": [{"title": t, "rating": None} for t in TITLES]}
    assert body["errors"] == [
        {"message": message, "path": path, "extensions": {"code": "SUBGRAPH_REQUEST_FAILED", "serviceName": "beta"}}
        for path in COURSE_PATHS
    ]
    await gateway.aclose()


@pytest.mark.parametrize("mode, message", FAULTS)
async def test_failed_root_fetch_has_one_error_per_root_field(servers, mode, message):
    alpha, beta = servers
    beta.mode = mode
    gateway = gateway_for(alpha, beta)
    body = await run(gateway, "{ a first: b note again: b }")
    assert body["data"] == {"a": "alpha", "first": None, "note": None, "again": None}
    assert [(e["message"], e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (message, [key], "SUBGRAPH_REQUEST_FAILED") for key in ("first", "note", "again")
    ]
    await gateway.aclose()


async def test_failed_entity_fetch_on_a_non_null_field_reports_no_extra_error(servers):
    """`seats: Int!` cannot be null: each course becomes null (the list allows it); the error at
    the course's path explains it, and no `Cannot return null for non-nullable field` is added."""
    alpha, beta = servers
    beta.mode = "500"
    gateway = gateway_for(alpha, beta)
    body = await run(gateway, "{ catalog { title seats } a }")
    assert body["data"] == {"catalog": [None, None, None], "a": "alpha"}
    assert paths(body) == [["catalog", 0], ["catalog", 1], ["catalog", 2]]
    assert all("non-nullable" not in e["message"] for e in body["errors"])
    # A single object: the same, at its one path.
    body = await run(gateway, "{ first { title seats } }")
    assert body["data"] == {"first": None}
    assert [(e["message"], e["path"]) for e in body["errors"]] == [('Subgraph "beta" answered HTTP 500', ["first"])]
    await gateway.aclose()


MALFORMED_ENTITIES = [
    ({"data": {"_entities": "wrong-shape"}}, '"_entities" is not a list'),
    ({"data": {"_entities": [{"__typename": "Course", "rating": 1.0}]}}, "1 entities for 3 representations"),
    ({"data": "not an object"}, '"data" is not an object'),
    ({"data": [1, 2, 3]}, '"data" is not an object'),
    ({"data": {}}, 'no "_entities"'),
    ({"data": None}, "no data and no errors"),
]


@pytest.mark.parametrize("payload, reason", MALFORMED_ENTITIES, ids=[r for _, r in MALFORMED_ENTITIES])
async def test_malformed_entities_answer_is_an_error_per_object(servers, payload, reason):
    alpha, beta = servers
    beta.mode, beta.payload = "json", payload
    gateway = gateway_for(alpha, beta)
    body = await run(gateway, "{ courses { title rating } }")
    assert body["data"] == {"courses": [{"title": t, "rating": None} for t in TITLES]}
    assert body["errors"] == [
        {"message": f'Subgraph "beta" answered an invalid response: {reason}', "path": path,
         "extensions": {"code": "SUBGRAPH_INVALID_RESPONSE", "serviceName": "beta"}}
        for path in COURSE_PATHS
    ]
    await gateway.aclose()


async def test_entities_that_are_not_objects_are_errors_the_others_arrive(servers):
    alpha, beta = servers
    beta.mode = "json"
    beta.payload = {"data": {"_entities": ["c1", {"__typename": "Course", "rating": 3.0}, 7]}}
    gateway = gateway_for(alpha, beta)
    body = await run(gateway, "{ courses { title rating } }")
    assert body["data"] == {"courses": [
        {"title": "Compilers", "rating": None}, {"title": "Databases", "rating": 3.0},
        {"title": "Networks", "rating": None}]}
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["courses", 0], "SUBGRAPH_INVALID_RESPONSE"), (["courses", 2], "SUBGRAPH_INVALID_RESPONSE")]
    await gateway.aclose()


@pytest.mark.parametrize("payload, reason", [
    ({"data": "nope"}, '"data" is not an object'),
    ({"data": None}, "no data and no errors"),
])
async def test_malformed_root_answer_is_an_error_per_root_field(servers, payload, reason):
    alpha, beta = servers
    beta.mode, beta.payload = "json", payload
    gateway = gateway_for(alpha, beta)
    body = await run(gateway, "{ a b note }")
    assert body["data"] == {"a": "alpha", "b": None, "note": None}
    assert [(e["message"], e["path"]) for e in body["errors"]] == [
        (f'Subgraph "beta" answered an invalid response: {reason}', [key]) for key in ("b", "note")]
    await gateway.aclose()


SUBGRAPH_ERRORS = {"data": {"_entities": [None, {"__typename": "Course", "rating": 3.0}, None]}, "errors": [
    {"message": "ratings db down", "extensions": {"code": "DB_DOWN", "stacktrace": ["at x"]}},
    {"message": "not yours", "path": ["_entities", 1, "seats"], "extensions": {"code": "FORBIDDEN"}},
]}


async def test_subgraph_errors_without_path_go_to_the_objects_left_missing_with_their_codes(servers):
    alpha, beta = servers
    beta.mode, beta.payload = "json", SUBGRAPH_ERRORS
    gateway = gateway_for(alpha, beta)
    body = await run(gateway, "{ courses { title rating } }")
    assert body["data"]["courses"] == [
        {"title": "Compilers", "rating": None}, {"title": "Databases", "rating": 3.0},
        {"title": "Networks", "rating": None}]
    assert body["errors"] == [
        {"message": "ratings db down", "path": ["courses", 0], "extensions": {"code": "DB_DOWN", "serviceName": "beta"}},
        {"message": "ratings db down", "path": ["courses", 2], "extensions": {"code": "DB_DOWN", "serviceName": "beta"}},
        {"message": "not yours", "path": ["courses", 1, "seats"],
         "extensions": {"code": "FORBIDDEN", "serviceName": "beta"}},
    ]
    await gateway.aclose()


async def test_masking_on_keeps_the_paths_and_hides_codes_not_on_the_allow_list(servers):
    alpha, beta = servers
    beta.mode, beta.payload = "json", SUBGRAPH_ERRORS
    gateway = gateway_for(alpha, beta, GatewayConfig.production())
    response = await gateway.execute(GraphQLRequest(query="{ courses { title rating } }",
                                                    headers={"x-request-id": "req-7"}))
    masked = {"code": "SUBGRAPH_ERROR", "requestId": "req-7"}
    assert response.body["errors"] == [
        {"message": "Unexpected error in subgraph", "path": ["courses", 0], "extensions": masked},
        {"message": "Unexpected error in subgraph", "path": ["courses", 2], "extensions": masked},
        {"message": "not yours", "path": ["courses", 1, "seats"],
         "extensions": {"code": "FORBIDDEN", "serviceName": "beta"}},
    ]
    await gateway.aclose()


async def test_a_pathless_error_beside_complete_data_stays_once_without_a_path(servers):
    alpha, beta = servers
    beta.mode = "json"
    beta.payload = {"data": {"b": "beta"}, "errors": [{"message": "deprecated soon", "extensions": {"code": "WARN"}}]}
    gateway = gateway_for(alpha, beta)
    body = await run(gateway, "{ a b }")
    assert body == {"data": {"a": "alpha", "b": "beta"},
                    "errors": [{"message": "deprecated soon", "extensions": {"code": "WARN", "serviceName": "beta"}}]}
    await gateway.aclose()


async def test_failure_below_an_entity_fetch_points_at_each_affected_nested_object(servers):
    """A failed fetch deeper in the plan: the paths carry the list indices of each object."""
    alpha, beta = servers
    beta.mode = "refuse"
    gateway = gateway_for(alpha, beta)
    body = await run(gateway, "{ x: courses { id r: rating } first { rating } }")
    assert body["data"] == {"x": [{"id": "c1", "r": None}, {"id": "c2", "r": None}, {"id": "c3", "r": None}],
                            "first": {"rating": None}}
    assert sorted(map(str, paths(body))) == sorted(map(str, [["x", 0], ["x", 1], ["x", 2], ["first"]]))
    await gateway.aclose()
