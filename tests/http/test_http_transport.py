"""GraphQL over HTTP as a client sees it: real requests to the ASGI app under uvicorn."""

from __future__ import annotations

import json

import httpx
import pytest
from http_doubles import FakeGateway, serve

from gateway.config import GatewayConfig
from gateway.http import create_app

GRJ = "application/graphql-response+json"
JSON = "application/json"
MAX_BODY = 2_000


@pytest.fixture(scope="module")
def fake() -> FakeGateway:
    return FakeGateway()


@pytest.fixture(scope="module")
def client(fake):
    with serve(create_app(fake, GatewayConfig(max_body_bytes=MAX_BODY))) as base_url:
        with httpx.Client(base_url=base_url, timeout=10) as c:
            yield c


def post(client: httpx.Client, body, *, accept: str | None = None, content_type: str | None = JSON, **kw) -> httpx.Response:
    headers = {}
    if accept is not None:
        headers["accept"] = accept
    if content_type is not None:
        headers["content-type"] = content_type
    content = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post("/graphql", content=content, headers=headers, **kw)


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0]


def assert_error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == code, body
    assert isinstance(body["errors"][0]["message"], str) and body["errors"][0]["message"]
    return body


# -- Accept negotiation ---------------------------------------------------------------


@pytest.mark.parametrize(
    "accept, expected",
    [
        (None, JSON),  # no Accept header: application/json (spec, until the watershed)
        ("", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        (JSON, JSON),
        (GRJ, GRJ),
        (f"{GRJ}, {JSON};q=0.9", GRJ),  # what the spec tells clients to send
        (f"{JSON}, {GRJ}", GRJ),  # equal q: the spec's preferred type
        (f"{JSON}, {GRJ};q=0.5", JSON),
        (f"{GRJ};q=0.2, */*;q=0.8", JSON),
        (f"{JSON};q=0, */*", GRJ),  # the most specific range decides: json refused
        (f"{GRJ}; charset=utf-8", GRJ),
        (f"{JSON}; charset=UTF-8", JSON),
        (f"{GRJ}; charset=iso-8859-1, {JSON}", JSON),  # we only write UTF-8
        ("text/html, application/xhtml+xml, */*;q=0.8", JSON),  # a browser
    ],
)
def test_accept_selects_response_media_type(client, accept, expected):
    response = post(client, {"query": "{ hello }"}, accept=accept)
    assert response.status_code == 200
    assert media_type(response) == expected
    assert "charset=utf-8" in response.headers["content-type"]
    assert response.json()["data"]["echo"]["query"] == "{ hello }"
    assert "accept" in response.headers["vary"].lower()


@pytest.mark.parametrize("accept", ["text/html", "application/xml", f"{JSON};q=0, {GRJ};q=0", f"{JSON}; charset=latin1"])
def test_no_acceptable_media_type_is_406(client, accept):
    response = post(client, {"query": "{ hello }"}, accept=accept)
    assert_error(response, 406, "NOT_ACCEPTABLE")
    assert media_type(response) == JSON


# -- Status codes per media type -------------------------------------------------------


def test_validation_error_is_400_without_data_for_graphql_response_json(client):
    response = post(client, {"query": "{ invalid }"}, accept=GRJ)
    assert_error(response, 400, "GRAPHQL_VALIDATION_FAILED")
    assert media_type(response) == GRJ


@pytest.mark.parametrize("accept", [JSON, None, "*/*"])
def test_validation_error_is_200_for_application_json(client, accept):
    response = post(client, {"query": "{ invalid }"}, accept=accept)
    assert response.status_code == 200
    assert media_type(response) == JSON
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


@pytest.mark.parametrize("accept", [GRJ, JSON])
def test_null_data_with_errors_is_200(client, accept):
    response = post(client, {"query": "{ nulldata }"}, accept=accept)
    assert response.status_code == 200
    assert response.json() == {"data": None, "errors": [{"message": "boom", "path": ["nulldata"]}]}


def test_gateway_response_headers_are_sent(client):
    response = post(client, {"query": "{ hello }"})
    assert response.headers["x-served-by"] == "fake"


# -- Well-formed requests ---------------------------------------------------------------


def test_post_passes_all_parameters_and_lowercased_headers(client):
    response = client.post(
        "/graphql",
        json={
            "query": "query Q($id: ID!) { node(id: $id) { id } }",
            "operationName": "Q",
            "variables": {"id": "1"},
            "extensions": {"persistedQuery": {"version": 1}},
        },
        headers={"X-Client-Name": "web", "Authorization": "Bearer t"},
    )
    assert response.status_code == 200
    echo = response.json()["data"]["echo"]
    assert echo["operationName"] == "Q"
    assert echo["variables"] == {"id": "1"}
    assert echo["extensions"] == {"persistedQuery": {"version": 1}}
    assert echo["method"] == "POST"
    assert echo["headers"]["x-client-name"] == "web"
    assert echo["headers"]["authorization"] == "Bearer t"


@pytest.mark.parametrize("name", ["operationName", "variables", "extensions"])
def test_null_optional_parameters_are_allowed(client, name):
    response = post(client, {"query": "{ hello }", name: None}, accept=GRJ)
    assert response.status_code == 200
    assert "errors" not in response.json()


def test_utf8_request_and_response(client):
    query = '{ __type(name: "Run🏃Swim🏊") { name } }'
    response = post(client, {"query": query}, content_type=f"{JSON}; charset=utf-8")
    assert response.status_code == 200
    assert response.content.decode("utf-8")  # the body is UTF-8
    assert response.json()["data"]["echo"]["query"] == query


def test_get_with_url_parameters(client):
    params = {
        "query": "query Q($n: String!) { hello(name: $n) }",
        "operationName": "Q",
        "variables": json.dumps({"n": "wörld"}),
        "extensions": json.dumps({"trace": True}),
    }
    response = client.get("/graphql", params=params, headers={"accept": GRJ})
    assert response.status_code == 200
    assert media_type(response) == GRJ
    echo = response.json()["data"]["echo"]
    assert echo["method"] == "GET"
    assert echo["variables"] == {"n": "wörld"}
    assert echo["extensions"] == {"trace": True}
    assert echo["operationName"] == "Q"


def test_get_treats_empty_optional_parameters_as_absent(client):
    response = client.get("/graphql", params={"query": "{ hello }", "variables": "", "operationName": ""})
    assert response.status_code == 200
    echo = response.json()["data"]["echo"]
    assert echo["variables"] is None and echo["operationName"] is None


def test_mutation_over_get_is_405_with_allow_post(client):
    response = client.get("/graphql", params={"query": "mutation { hello }"}, headers={"accept": GRJ})
    assert_error(response, 405, "BAD_REQUEST")
    assert response.headers["allow"] == "POST"


# -- Malformed requests: 400 whatever the media type --------------------------------------


@pytest.mark.parametrize("accept", [GRJ, JSON])
@pytest.mark.parametrize(
    "body",
    [
        b'{ "not a JSON',
        b"",
        b"   ",
        b"\xff\xfe{}",  # not UTF-8
        b'"a string"',
        b"42",
        b"null",
        b"{}",  # no query
        b'{"qeury": "{ hello }"}',
        b'{"query": {"obj": "ect"}}',
        b'{"query": 0}',
        b'{"query": false}',
        b'{"query": ["array"]}',
        b'{"query": "{ hello }", "operationName": 1}',
        b'{"query": "{ hello }", "operationName": {"a": 1}}',
        b'{"query": "{ hello }", "variables": "string"}',
        b'{"query": "{ hello }", "variables": 0}',
        b'{"query": "{ hello }", "variables": false}',
        b'{"query": "{ hello }", "variables": ["array"]}',
        b'{"query": "{ hello }", "extensions": "string"}',
        b'{"query": "{ hello }", "extensions": ["array"]}',
    ],
)
def test_malformed_post_is_400(client, body, accept):
    response = post(client, body, accept=accept)
    assert_error(response, 400, "BAD_REQUEST")
    assert media_type(response) == accept


def test_batched_request_is_refused_clearly(client):
    response = post(client, [{"query": "{ a }"}, {"query": "{ b }"}], accept=GRJ)
    body = assert_error(response, 400, "BATCHING_NOT_SUPPORTED")
    assert "batch" in body["errors"][0]["message"].lower()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"operationName": "Q"},
        {"query": "{ hello }", "variables": "{not json"},
        {"query": "{ hello }", "variables": "[1]"},
        {"query": "{ hello }", "variables": "7"},
        {"query": "{ hello }", "extensions": "{not json"},
        {"query": "{ hello }", "extensions": '"string"'},
    ],
)
def test_malformed_get_is_400(client, params):
    response = client.get("/graphql", params=params, headers={"accept": GRJ})
    assert_error(response, 400, "BAD_REQUEST")


def test_get_with_repeated_parameter_is_400(client):
    response = client.get("/graphql?query=%7Ba%7D&query=%7Bb%7D")
    assert_error(response, 400, "BAD_REQUEST")


def test_get_with_invalid_utf8_is_400(client):
    response = client.get("/graphql?query=%FF")
    assert_error(response, 400, "BAD_REQUEST")


# -- Content-Type, methods, size, paths -------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/graphql",
        "application/xml",
        f"{JSON}; charset=iso-8859-1",
    ],
)
def test_unsupported_content_type_is_415(client, fake, content_type):
    before = len(fake.requests)
    response = post(client, {"query": "mutation { deleteEverything }"}, content_type=content_type)
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert len(fake.requests) == before  # never reached the gateway


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
def test_other_methods_are_405_with_allow(client, method):
    response = client.request(method, "/graphql")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    if method != "HEAD":
        assert_error(response, 405, "METHOD_NOT_ALLOWED")


def test_body_over_limit_is_413(client, fake):
    before = len(fake.requests)
    query = "{ " + "a " * MAX_BODY + "}"
    response = post(client, {"query": query})
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert len(fake.requests) == before


def test_streamed_body_over_limit_is_413(client):
    def chunks():  # no Content-Length: chunked transfer encoding
        yield b'{"query": "{ '
        for _ in range(MAX_BODY // 100 + 1):
            yield b"a " * 50
        yield b'}"}'

    response = client.post("/graphql", content=chunks(), headers={"content-type": JSON})
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")


def test_body_at_limit_is_accepted(client):
    prefix, suffix = '{"query": "{ ', ' }"}'
    body = prefix + "a" * (MAX_BODY - len(prefix) - len(suffix)) + suffix
    assert len(body) == MAX_BODY
    assert post(client, body).status_code == 200


@pytest.mark.parametrize("path", ["/", "/graphql/extra", "/graphiql", "/GRAPHQL"])
def test_unknown_path_is_404_in_graphql_error_format(client, path):
    response = client.post(path, json={"query": "{ hello }"})
    assert_error(response, 404, "NOT_FOUND")
    assert media_type(response) == JSON


# -- Failures inside the gateway ---------------------------------------------------------


@pytest.mark.parametrize("query", ["{ crash }", "{ unencodable }"])
def test_gateway_failure_is_500_without_internals_and_the_app_keeps_serving(client, query):
    response = post(client, {"query": query}, accept=GRJ)
    body = assert_error(response, 500, "INTERNAL_SERVER_ERROR")
    assert "secret" not in response.text and "Traceback" not in response.text
    assert body["errors"][0]["message"] == "Internal server error."
    assert post(client, {"query": "{ hello }"}).status_code == 200


# -- /health ----------------------------------------------------------------------------


def test_health_is_ok_when_the_gateway_is_ready(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_refuses_post(client):
    response = client.post("/health")
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "GET"
