"""Header propagation both ways, CORS, CSRF prevention, batching and the dev IDE page, through the ASGI app."""

from __future__ import annotations

import httpx
import pytest
from subgraphs import FaultServer, supergraph

from gateway.config import GatewayConfig
from gateway.gateway import Gateway
from gateway.http.asgi import create_app

JSON = {"content-type": "application/json", "accept": "application/json"}


@pytest.fixture
async def servers():
    async with FaultServer("alpha") as alpha, FaultServer("beta") as beta:
        yield alpha, beta


def client_for(alpha: FaultServer, beta: FaultServer, **overrides) -> tuple[httpx.AsyncClient, Gateway]:
    config = GatewayConfig(**overrides)
    gateway = Gateway(supergraph(alpha.url, beta.url), config)
    app = create_app(gateway, config)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw.test"), gateway


async def test_request_headers_follow_the_rules(servers):
    alpha, beta = servers
    client, gateway = client_for(alpha, beta, propagate_headers={"*": ["x-request-id", "x-trace-*"],
                                                                 "beta": ["authorization"]})
    sent = {**JSON, "x-request-id": "r-1", "x-trace-span": "s-9", "authorization": "Bearer t", "x-other": "no"}
    response = await client.post("/graphql", json={"query": "{ a b }"}, headers=sent)
    assert response.json()["data"] == {"a": "alpha", "b": "beta"}
    (_, to_alpha), = alpha.requests
    (_, to_beta), = beta.requests
    assert to_alpha["x-request-id"] == "r-1" and to_alpha["x-trace-span"] == "s-9"
    assert "authorization" not in to_alpha and "x-other" not in to_alpha
    assert to_beta["authorization"] == "Bearer t" and "x-other" not in to_beta
    await gateway.aclose()


async def test_authorization_is_not_forwarded_by_default(servers):
    alpha, beta = servers
    client, gateway = client_for(alpha, beta)
    await client.post("/graphql", json={"query": "{ a }"},
                      headers={**JSON, "authorization": "Bearer t", "traceparent": "00-abc-def-01"})
    (_, to_alpha), = alpha.requests
    assert "authorization" not in to_alpha and to_alpha["traceparent"] == "00-abc-def-01"
    await gateway.aclose()


async def test_oversized_headers_are_not_forwarded(servers):
    """Issue 12, finding 6: a 1 MB `baggage` header stays at the gateway."""
    alpha, beta = servers
    client, gateway = client_for(alpha, beta)
    await client.post("/graphql", json={"query": "{ a }"},
                      headers={**JSON, "baggage": "k=" + "v" * 1_000_000, "traceparent": "00-abc-def-01"})
    await client.post("/graphql", json={"query": "{ a }"}, headers={**JSON, "baggage": "userId=alice"})
    (_, big), (_, small) = alpha.requests
    assert "baggage" not in big and big["traceparent"] == "00-abc-def-01"
    assert small["baggage"] == "userId=alice"
    await gateway.aclose()


async def test_set_cookie_from_every_subgraph_and_the_strictest_cache_control(servers):
    alpha, beta = servers
    alpha.response_headers = [("Set-Cookie", "a=1; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT"),
                              ("Cache-Control", "public, max-age=300")]
    beta.response_headers = [("Set-Cookie", "b=2; HttpOnly"), ("Set-Cookie", "c=3"),
                             ("Cache-Control", "private, max-age=60")]
    client, gateway = client_for(alpha, beta)
    response = await client.post("/graphql", json={"query": "{ a b }"}, headers=JSON)
    assert sorted(response.headers.get_list("set-cookie")) == [
        "a=1; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT", "b=2; HttpOnly", "c=3"]
    assert response.headers["cache-control"] == "private, max-age=60"
    beta.response_headers = [("Cache-Control", "no-store")]
    response = await client.post("/graphql", json={"query": "{ a b }"}, headers=JSON)
    assert response.headers["cache-control"] == "no-store"
    assert "set-cookie" in response.headers  # alpha's cookie only
    assert response.headers.get_list("set-cookie") == ["a=1; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT"]
    await gateway.aclose()


async def test_response_header_rules_copy_named_headers_to_the_client(servers):
    """`subgraphs.{all,NAME}.headers.response`: named headers copied; several subgraphs' values joined;
    Set-Cookie / Cache-Control keep their merge rules; framing headers never copied."""
    alpha, beta = servers
    alpha.response_headers = [("X-Served-By", "alpha-1"), ("X-Alpha-Zone", "eu"), ("X-Internal", "secret"),
                              ("Cache-Control", "max-age=300"), ("Connection", "keep-alive")]
    beta.response_headers = [("X-Served-By", "beta-7"), ("X-Alpha-Zone", "us"), ("Set-Cookie", "b=2"),
                             ("Cache-Control", "max-age=30"), ("X-Request-Id", "from-beta")]
    client, gateway = client_for(alpha, beta, response_headers={"*": ["x-served-by", "x-request-id"],
                                                                "alpha": ["x-alpha-*"]},
                                 expose_subgraph_errors=frozenset())  # masking: the gateway sets x-request-id
    response = await client.post("/graphql", json={"query": "{ a b }"}, headers=JSON)
    assert response.json()["data"] == {"a": "alpha", "b": "beta"}
    assert response.headers["x-request-id"] not in ("", "from-beta")  # the gateway's own header wins
    assert sorted(response.headers["x-served-by"].split(", ")) == ["alpha-1", "beta-7"]
    assert response.headers["x-alpha-zone"] == "eu"  # alpha's rule only: beta's "us" is not copied
    assert "x-internal" not in response.headers  # named by no rule
    assert response.headers.get_list("set-cookie") == ["b=2"]
    assert response.headers["cache-control"] == "max-age=30"
    assert response.headers["content-type"].startswith("application/")  # the gateway's own framing
    response = await client.post("/graphql", json={"query": "{ a }"}, headers=JSON)
    assert response.headers["x-served-by"] == "alpha-1"  # only the subgraphs this request called
    await gateway.aclose()
    client, gateway = client_for(alpha, beta)  # no rules: nothing but the merged headers
    response = await client.post("/graphql", json={"query": "{ a b }"}, headers=JSON)
    assert "x-served-by" not in response.headers and response.headers.get_list("set-cookie") == ["b=2"]
    await gateway.aclose()


async def test_cors_preflight_and_response_headers(servers):
    alpha, beta = servers
    client, gateway = client_for(alpha, beta, cors_origins=("https://app.example",), cors_allow_credentials=True)
    ask = {"origin": "https://app.example", "access-control-request-method": "POST",
           "access-control-request-headers": "content-type"}
    response = await client.options("/graphql", headers=ask)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "https://app.example"
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"]
    assert response.headers["access-control-max-age"] == "600"
    refused = await client.options("/graphql", headers={**ask, "origin": "https://evil.example"})
    assert "access-control-allow-origin" not in refused.headers
    answered = await client.post("/graphql", json={"query": "{ a }"}, headers={**JSON, "origin": "https://app.example"})
    assert answered.headers["access-control-allow-origin"] == "https://app.example"
    assert "origin" in answered.headers["vary"]
    await gateway.aclose()


async def test_no_cors_by_default_and_no_wildcard_with_credentials(servers):
    alpha, beta = servers
    client, gateway = client_for(alpha, beta)
    response = await client.options("/graphql", headers={"origin": "https://app.example",
                                                         "access-control-request-method": "POST"})
    assert "access-control-allow-origin" not in response.headers
    with pytest.raises(ValueError, match="credentials"):
        client_for(alpha, beta, cors_origins=("*",), cors_allow_credentials=True)
    await gateway.aclose()


async def test_csrf_get_with_cookies_or_a_foreign_origin_needs_a_preflight_header(servers):
    alpha, beta = servers
    client, gateway = client_for(alpha, beta)
    params = {"query": "{ a }"}
    accept = {"accept": "application/json"}
    assert (await client.get("/graphql", params=params, headers=accept)).status_code == 200  # plain API client
    for risky in ({"cookie": "session=1"}, {"origin": "https://evil.example"}):
        refused = await client.get("/graphql", params=params, headers={**accept, **risky})
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["extensions"]["code"] == "CSRF_PREVENTION"
        allowed = await client.get("/graphql", params=params,
                                   headers={**accept, **risky, "apollo-require-preflight": "true"})
        assert allowed.json()["data"] == {"a": "alpha"}
    same_site = await client.get("/graphql", params=params, headers={**accept, "origin": "http://gw.test"})
    assert same_site.status_code == 200
    assert len(alpha.requests) == 4  # refused requests never reached a subgraph
    client2, gateway2 = client_for(alpha, beta, csrf_prevention=False)
    assert (await client2.get("/graphql", params=params, headers={**accept, "cookie": "s=1"})).status_code == 200
    await gateway.aclose()
    await gateway2.aclose()


async def test_batching_off_by_default_then_independent_entries(servers):
    alpha, beta = servers
    client, gateway = client_for(alpha, beta)
    batch = [{"query": "{ a }"}, {"query": "{ nope }"}, {"query": 3}, {"query": "{ b }"}]
    refused = await client.post("/graphql", json=batch, headers=JSON)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "BATCHING_NOT_SUPPORTED"
    client, gateway2 = client_for(alpha, beta, max_batch_size=4)
    beta.mode = "500"
    answered = await client.post("/graphql", json=batch, headers=JSON)
    assert answered.status_code == 200
    first, second, third, fourth = answered.json()
    assert first == {"data": {"a": "alpha"}}
    assert "Cannot query field" in second["errors"][0]["message"] and "data" not in second
    assert third["errors"][0]["message"] == '"query" must be a string.'
    assert fourth["data"] == {"b": None} and "HTTP 500" in fourth["errors"][0]["message"]
    too_many = await client.post("/graphql", json=batch + batch, headers=JSON)
    assert too_many.status_code == 400
    assert too_many.json()["errors"][0]["extensions"]["code"] == "BATCH_TOO_LARGE"
    await gateway.aclose()
    await gateway2.aclose()

