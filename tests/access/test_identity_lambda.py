"""The signed identity over the Lambda-invoke transport: the gateway signs the bytes it puts in
the invoke event, the service's Lambda handler (Mangum) verifies them, and the owner policy is
decided by the service. Services run in this process as 'Lambda functions' (tests/deploy)."""

from __future__ import annotations

import importlib

from bff_common.principal import Principal
from gateway.config import GatewayConfig
from gateway.gateway import Gateway
from gateway.request import GraphQLRequest
from services.compose_examples import SUPERGRAPH_PATH
from services.policies import EXAMPLE_POLICIES
from services.toolkit import service_app
from services.toolkit.lambda_handler import make_handler
from tests.deploy.inprocess import SERVICES, InProcessLambda

SECRET = "lambda-identity-secret"


def lambdas(secret: str) -> InProcessLambda:
    handlers = {}
    for name in SERVICES:
        schema = importlib.import_module(f"services.{name}.schema").schema
        handlers[f"bff-test-{name}"] = make_handler(service_app(name, schema, identity_secrets=[secret], api_keys=[]))
    return InProcessLambda(handlers)


async def ask(secret: str, query: str, principal: Principal) -> dict:
    config = GatewayConfig(subgraph_urls={n: f"lambda:bff-test-{n}" for n in SERVICES}, identity_secret=SECRET,
                           access_policies=EXAMPLE_POLICIES, subgraph_retries=0)
    gateway = Gateway(SUPERGRAPH_PATH.read_text(), config)
    # boto3's client, answered in-process (the Lambda transport sits inside the resilience wrapper)
    gateway.transport.inner._lambda_transport()._client = lambdas(secret)
    try:
        return (await gateway.execute(GraphQLRequest(query=query, principal=principal))).body
    finally:
        await gateway.aclose()


async def test_identity_verifies_through_lambda_invoke():
    u3 = Principal("viewer", subject="u3", roles=frozenset({"student"}))
    body = await ask(SECRET, '{ me { id email } other: user(id: "u4") { name email } }', u3)
    assert body["data"]["me"]["id"] == "u3" and body["data"]["me"]["email"].endswith("@example.com")
    assert body["data"]["other"]["name"] and body["data"]["other"]["email"] is None
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [(["other", "email"], "FORBIDDEN")]


async def test_a_service_with_another_secret_refuses_the_gateway():
    body = await ask("not-the-gateways-secret", "{ me { id } }", Principal("viewer", subject="u3"))
    assert body["data"] == {"me": None} and body["errors"]
