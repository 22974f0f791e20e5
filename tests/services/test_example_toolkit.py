"""What every example service's HTTP surface looks like (services.toolkit.asgi_app)."""

from __future__ import annotations

import httpx
import pytest
from service_identity import signed

from bff_common.principal import ANONYMOUS, Principal
from services.catalog import SERVICES


@pytest.mark.parametrize("name", [s.name for s in SERVICES])
def test_health_answers_ok(servers, name):
    response = httpx.get(servers[name].base_url + "/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_graphiql_is_off(servers):
    response = httpx.get(servers["accounts"].graphql_url, headers={"accept": "text/html"})
    assert "text/html" not in response.headers.get("content-type", "")
    assert "<html" not in response.text.lower()


def _get(server, service: str, query: str, principal=ANONYMOUS, verdicts=None) -> httpx.Response:
    """A GET whose identity is signed over its query string, as the signature requires."""
    request = httpx.Request("GET", server.graphql_url, params={"query": query})
    request.headers.update(signed(service, request.url.query, principal, verdicts, method="GET"))
    with httpx.Client() as client:
        return client.send(request)


def test_queries_over_get_work_but_mutations_do_not(servers, graphql):
    ok = _get(servers["accounts"], "accounts", '{ user(id: "u2") { name } }')
    assert ok.json() == {"data": {"user": {"name": "Alan Turing"}}}
    u1 = Principal("viewer", subject="u1")
    refused = _get(servers["enrollments"], "enrollments", 'mutation { enroll(userId: "u1", courseId: "c10") { id } }',
                   u1, {"self": "owner"})
    assert refused.status_code == 400
    # ...and nothing was written.
    count = graphql("enrollments", '{ _entities(representations: [{__typename: "Course", id: "c10"}]) { ... on Course { enrollmentCount } } }')
    assert count["data"]["_entities"] == [{"enrollmentCount": 0}]


def test_unknown_paths_are_404(servers):
    assert httpx.get(servers["reviews"].base_url + "/").status_code == 404


def test_every_service_answers_service_sdl_with_a_federation_v2_link(service_sdl):
    for service in SERVICES:
        schema_line = next(line for line in service_sdl(service.name).split("\n") if line.startswith("schema "))
        assert '@link(url: "https://specs.apollo.dev/federation/v2.' in schema_line, service.name
