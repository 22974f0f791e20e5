"""What every example service's HTTP surface looks like (services.toolkit.asgi_app)."""

from __future__ import annotations

import httpx
import pytest

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


def test_queries_over_get_work_but_mutations_do_not(servers):
    ok = httpx.get(servers["accounts"].graphql_url, params={"query": '{ user(id: "u2") { name } }'})
    assert ok.json() == {"data": {"user": {"name": "Alan Turing"}}}
    refused = httpx.get(servers["enrollments"].graphql_url, params={"query": 'mutation { enroll(userId: "u1", courseId: "c10") { id } }'})
    assert refused.status_code == 400
    # ...and nothing was written.
    count = httpx.post(servers["enrollments"].graphql_url, json={"query": '{ _entities(representations: [{__typename: "Course", id: "c10"}]) { ... on Course { enrollmentCount } } }'})
    assert count.json()["data"]["_entities"] == [{"enrollmentCount": 0}]


def test_unknown_paths_are_404(servers):
    assert httpx.get(servers["reviews"].base_url + "/").status_code == 404


def test_every_service_answers_service_sdl_with_a_federation_v2_link(service_sdl):
    for service in SERVICES:
        first_line = service_sdl(service.name).split("\n", 1)[0]
        assert first_line.startswith('schema @link(url: "https://specs.apollo.dev/federation/v2.'), service.name
