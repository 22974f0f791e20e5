"""Subgraph error masking: pass-through by default, masked in production settings."""

from __future__ import annotations

import re

from gateway.config import GatewayConfig
from gateway.request import GraphQLRequest

from .conftest import SECRET, http_client, run


async def test_default_passes_subgraph_errors_through_without_stack_traces(make_gateway):
    body = await run(make_gateway(), "{ fail tags }")
    assert body["data"] == {"fail": None, "tags": ["a", "b"]}
    assert body["errors"] == [{"message": SECRET, "path": ["fail"],
                               "extensions": {"code": "INTERNAL_SERVER_ERROR", "host": "db-7.internal",
                                              "serviceName": "catalog"}}]


async def test_production_masks_unlisted_errors(make_gateway):
    gateway = make_gateway(GatewayConfig.production())
    response = await gateway.execute(GraphQLRequest(query="{ fail tags }", headers={"x-request-id": "req-123"}))
    assert response.body == {"data": {"fail": None, "tags": ["a", "b"]}, "errors": [{
        "message": "Unexpected error in subgraph", "path": ["fail"],
        "extensions": {"code": "SUBGRAPH_ERROR", "requestId": "req-123"}}]}
    assert response.headers["x-request-id"] == "req-123"


async def test_production_passes_allow_listed_codes_without_stack_traces(make_gateway):
    body = await run(make_gateway(GatewayConfig.production()), "{ failUserInput }")
    assert body["errors"] == [{"message": "No such id: 42", "path": ["failUserInput"],
                               "extensions": {"code": "BAD_USER_INPUT", "argument": "id", "serviceName": "catalog"}}]


async def test_allow_listed_subgraph_passes_through(make_gateway):
    body = await run(make_gateway(GatewayConfig.production(expose_subgraph_errors={"catalog"})), "{ fail }")
    assert body["errors"][0]["message"] == SECRET and "exception" not in body["errors"][0]["extensions"]
    body = await run(make_gateway(GatewayConfig.production(expose_subgraph_errors={"other"})), "{ fail }")
    assert body["errors"][0]["message"] == "Unexpected error in subgraph"


async def test_masked_over_http_with_a_generated_request_id(make_gateway):
    async with http_client(make_gateway(GatewayConfig.production())) as client:
        response = await client.post("/graphql", json={"query": "{ fail }"},
                                     headers={"x-request-id": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert SECRET not in response.text and "db-7" not in response.text and "Traceback" not in response.text
    request_id = response.json()["errors"][0]["extensions"]["requestId"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id) and response.headers["x-request-id"] == request_id


def test_production_settings():
    config = GatewayConfig.production()
    assert (config.introspection, config.field_suggestions, config.expose_subgraph_errors) == (False, False, frozenset())
    assert GatewayConfig().expose_subgraph_errors == "*"
