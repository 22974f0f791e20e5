"""Every deployed Lambda handler, invoked in-process with real API Gateway payloads.

The gateway's subgraph calls go through the Lambda-invoke transport to the
services' own Lambda handlers (in this process), as they would on AWS.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest

from gateway.auth import authorizer
from gateway.auth.authenticate import Authenticator
from gateway.http import lambda_handler

from .events import authorizer_rest_token, authorizer_v2, hs256_token, http_v2, rest_v1
from .inprocess import ROOT, SERVICES, InProcessLambda, service_handler

SECRET = "s" * 40
API_KEY = "test-service-key-0123456789"
QUERY = "{ courses { title instructor { name } averageRating } }"


def body(response: dict[str, Any]) -> Any:
    raw = response["body"]
    return json.loads(base64.b64decode(raw) if response.get("isBase64Encoded") else raw)


@pytest.fixture()
def auth() -> Any:
    authorizer.configure(Authenticator.from_env({"BFF_JWT_HS256_SECRET": SECRET, "BFF_ALLOW_ANONYMOUS": "false"}))
    yield
    authorizer.configure(None)


@pytest.fixture()
def token() -> str:
    return "Bearer " + hs256_token(SECRET, {"sub": "user-1", "exp": int(time.time()) + 300, "roles": ["student"]})


@pytest.fixture()
def lambdas() -> InProcessLambda:
    return InProcessLambda({f"bff-test-{name}": service_handler(name, API_KEY) for name in SERVICES})


@pytest.fixture()
def gateway_handler(monkeypatch: pytest.MonkeyPatch, lambdas: InProcessLambda) -> Any:
    """gateway.http.lambda_handler.handler configured by serverless.yml's environment (stage `test`);
    only boto3's Lambda client is replaced, by the services' handlers in this process."""
    monkeypatch.setenv("BFF_SUPERGRAPH", str(ROOT / "services" / "supergraph.graphql"))
    monkeypatch.setenv("BFF_SUBGRAPH_URLS", ",".join(f"{n}=lambda:bff-test-{n}" for n in SERVICES))
    monkeypatch.setenv("BFF_SUBGRAPH_API_KEYS", ",".join(f"{n}=env:BFF_TEST_SERVICE_KEY" for n in SERVICES))
    monkeypatch.setenv("BFF_TEST_SERVICE_KEY", API_KEY)
    monkeypatch.setenv("BFF_ALLOW_ANONYMOUS", "false")

    def factory() -> Any:
        gateway = lambda_handler._build_gateway()
        gateway.transport.inner._lambda_transport()._client = lambdas  # inside the ResilientTransport
        return gateway

    monkeypatch.setattr(lambda_handler, "_gateway_factory", factory)
    monkeypatch.setattr(lambda_handler, "_handler", None)
    return lambda_handler.handler


@pytest.fixture()
def identity_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gateway signs the caller's identity and the services check it (BFF_IDENTITY_SECRET, a
    reference on AWS: serverless.yml gives both sides the same one)."""
    monkeypatch.setenv("BFF_TEST_IDENTITY", "i" * 40)
    monkeypatch.setenv("BFF_IDENTITY_SECRET", "env:BFF_TEST_IDENTITY")


@pytest.fixture()
def viewer_gateway(identity_secret: None, monkeypatch: pytest.MonkeyPatch, gateway_handler: Any) -> Any:
    """The default deploy (serverless.yml `auth: gateway`): no authorizer in front, the gateway verifies
    tokens itself and serves anonymous viewers."""
    monkeypatch.setenv("BFF_ALLOW_ANONYMOUS", "true")
    monkeypatch.setenv("BFF_JWT_HS256_SECRET", SECRET)
    monkeypatch.setenv("BFF_CONFIG", str(ROOT / "deploy" / "bff.yaml"))  # as serverless.yml sets it
    return gateway_handler


def test_the_deployed_config_carries_the_example_policies() -> None:
    import yaml

    from services.policies import EXAMPLE_POLICIES

    assert yaml.safe_load((ROOT / "deploy" / "bff.yaml").read_text())["security"]["policies"] == EXAMPLE_POLICIES


def test_policy_fields_reach_their_owner_only(viewer_gateway: Any, token: str) -> None:
    """@policy(self_or_admin) on User.email: the signed-in owner reads it; the anonymous viewer does not."""
    u1 = "Bearer " + hs256_token(SECRET, {"sub": "u1", "exp": int(time.time()) + 300})  # services/accounts/data.py
    mine = viewer_gateway(http_v2("POST", "/graphql", {"query": "{ me { id email } }"},
                                  headers={"Authorization": u1}), None)
    answer = body(mine)
    assert "errors" not in answer and answer["data"]["me"]["email"], answer
    anonymous = body(viewer_gateway(http_v2("POST", "/graphql", {"query": "{ users { name email } }"}), None))
    users = anonymous["data"]["users"]
    assert users and all(u["name"] and u["email"] is None for u in users), anonymous


def test_anonymous_viewers_get_public_fields(viewer_gateway: Any) -> None:
    response = viewer_gateway(http_v2("POST", "/graphql", {"query": "{ courses { title } }"}), None)
    assert response["statusCode"] == 200, response
    assert body(response)["data"]["courses"]
    # A field needing a viewer answers per its access directive (@authenticated), not with a refused request.
    response = viewer_gateway(http_v2("POST", "/graphql", {"query": "{ courses { title } me { name } }"}), None)
    answer = body(response)
    assert response["statusCode"] == 200 and answer["data"]["courses"] and answer["data"]["me"] is None
    assert answer["errors"][0]["path"] == ["me"]


def test_an_invalid_token_is_401_with_www_authenticate(viewer_gateway: Any, token: str) -> None:
    for bad in ("Bearer not.a.token", "Bearer " + hs256_token("x" * 40, {"sub": "u", "exp": int(time.time()) + 60}),
                "Bearer " + hs256_token(SECRET, {"sub": "u", "exp": int(time.time()) - 3600})):
        response = viewer_gateway(http_v2("POST", "/graphql", {"query": "{ courses { title } }"},
                                          headers={"Authorization": bad}), None)
        assert response["statusCode"] == 401, response
        headers = {k.lower(): v for k, v in response["headers"].items()}
        assert headers["www-authenticate"].startswith("Bearer") and 'error="invalid_token"' in headers["www-authenticate"]
        assert body(response)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    signed_in = viewer_gateway(http_v2("POST", "/graphql", {"query": "{ me { name } }"},
                                       headers={"Authorization": token}), None)
    assert signed_in["statusCode"] == 200 and "errors" not in body(signed_in), body(signed_in)  # me: null (unknown)


def test_a_required_token_that_is_missing_is_401(viewer_gateway: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BFF_ALLOW_ANONYMOUS", "false")
    response = viewer_gateway(http_v2("POST", "/graphql", {"query": "{ courses { title } }"}), None)
    assert response["statusCode"] == 401
    headers = {k.lower(): v for k, v in response["headers"].items()}
    assert headers["www-authenticate"].startswith("Bearer")


def test_authorizer_http_api_simple_responses(auth: None, token: str) -> None:
    allowed = authorizer.http_api_handler(authorizer_v2(token))
    assert allowed["isAuthorized"] is True and allowed["context"]
    assert authorizer.http_api_handler(authorizer_v2("Bearer not.a.token"))["isAuthorized"] is False
    assert authorizer.http_api_handler(authorizer_v2(None))["isAuthorized"] is False


def test_authorizer_rest_token_policy(auth: None, token: str) -> None:
    event = authorizer_rest_token(token)
    policy = authorizer.handler(event)
    statement = policy["policyDocument"]["Statement"][0]
    assert statement["Effect"] == "Allow" and statement["Resource"] == event["methodArn"]
    with pytest.raises(authorizer.Unauthorized):
        authorizer.handler(authorizer_rest_token("Bearer forged"))


def test_gateway_http_api_v2_through_the_lambda_transport(auth: None, token: str, gateway_handler: Any,
                                                          lambdas: InProcessLambda) -> None:
    context = authorizer.http_api_handler(authorizer_v2(token))["context"]
    response = gateway_handler(http_v2("POST", "/graphql", {"query": QUERY}, authorizer=context), None)
    assert response["statusCode"] == 200, response
    courses = body(response)["data"]["courses"]
    assert courses and any(c["instructor"] and c["instructor"]["name"] for c in courses), courses
    assert {"bff-test-courses", "bff-test-accounts", "bff-test-reviews"} <= set(lambdas.invoked)


def test_gateway_refuses_requests_without_the_authorizer_context(gateway_handler: Any) -> None:
    response = gateway_handler(http_v2("POST", "/graphql", {"query": QUERY}), None)
    assert response["statusCode"] == 401
    assert body(response)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_gateway_rest_v1_payloads(auth: None, token: str, gateway_handler: Any) -> None:
    assert gateway_handler(rest_v1("GET", "/health"), None)["statusCode"] == 200
    event = rest_v1("POST", "/graphql", {"query": "{ courses { title } }"})
    policy = authorizer.handler(authorizer_rest_token(token))
    event["requestContext"]["authorizer"] = {"principalId": policy["principalId"], **policy["context"]}
    response = gateway_handler(event, None)
    assert response["statusCode"] == 200 and body(response)["data"]["courses"]


def test_service_handler_checks_the_api_key_on_both_payload_formats() -> None:
    handler = service_handler("accounts", API_KEY)
    query = {"query": "{ users { name } }"}
    refused = handler(http_v2("POST", "/graphql", query), None)
    assert refused["statusCode"] == 401
    assert body(refused)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    answered = handler(rest_v1("POST", "/graphql", query, {"X-API-Key": API_KEY}), None)
    assert answered["statusCode"] == 200 and body(answered)["data"]["users"]
    assert handler(http_v2("GET", "/health"), None)["statusCode"] == 200


def test_service_handler_module_exposes_handler() -> None:
    import services.reviews.handler as module

    response = module.handler(http_v2("GET", "/health"), None)
    assert response["statusCode"] == 200 and body(response) == {"status": "ok"}


def test_registry_handler(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from discovery import http_api
    monkeypatch.setenv("BFF_REGISTRY_URL", f"sqlite:///{tmp_path / 'registry.db'}?create=1")
    monkeypatch.setenv("BFF_REGISTRY_DEPLOY_TOKEN", "deploy-token-0123456789")
    monkeypatch.setattr(http_api, "_handler", None)
    assert http_api.handler(http_v2("GET", "/v1/version"), None)["statusCode"] == 401  # reads need a token
    version = http_api.handler(http_v2("GET", "/v1/version", headers={"authorization": "Bearer deploy-token-0123456789"}),
                               None)
    assert version["statusCode"] == 200 and body(version) == {"version": 0}
    refused = http_api.handler(rest_v1("PUT", "/v1/services/accounts", {"endpoint": "lambda:bff-dev-accounts", "sdl": "type Query { a: Int }"}), None)
    assert refused["statusCode"] in (401, 403)


def test_the_api_gateway_request_id_reaches_every_service_and_log_line(
        viewer_gateway: Any, lambdas: InProcessLambda, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """requestContext.requestId (the HTTP API access log's requestId) is the request's x-request-id: echoed,
    in the gateway's request log line, sent to each service call and in each service's log line; a caller's
    own x-request-id survives as x-correlation-id."""
    import logging

    from gateway.telemetry.logging import LOGGER

    monkeypatch.setenv("BFF_LOG_LEVEL", "info")  # serverless.yml's requestLogLevel param
    event = http_v2("POST", "/graphql", {"query": QUERY}, headers={"x-request-id": "client-chosen-1"})
    event["requestContext"]["requestId"] = "JKJaXmGLvHcESHA="
    logger = logging.getLogger(LOGGER)
    handlers, logger.handlers = logger.handlers, [caplog.handler]  # caplog instead of the stderr writer
    try:
        with caplog.at_level(logging.INFO):
            response = viewer_gateway(event, None)
    finally:
        logger.handlers = handlers
    assert response["statusCode"] == 200 and "errors" not in body(response)
    assert response["headers"]["x-request-id"] == "JKJaXmGLvHcESHA="
    calls = [e for e in lambdas.events if e["rawPath"] == "/graphql"]  # (a cold start also pings /health)
    assert len(calls) == 3  # courses, then accounts and reviews
    for sent in calls:
        assert sent["headers"]["x-request-id"] == "JKJaXmGLvHcESHA="
        assert sent["headers"]["x-correlation-id"] == "client-chosen-1"
        assert sent["requestContext"]["requestId"] == "JKJaXmGLvHcESHA="
    service_lines = [r.getMessage() for r in caplog.records if r.name == "bff.service" and "/graphql" in r.getMessage()]
    assert len(service_lines) == 3 and all("request_id=JKJaXmGLvHcESHA=" in line for line in service_lines)
    request_lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "bff.request"]
    assert request_lines and {line["request_id"] for line in request_lines} == {"JKJaXmGLvHcESHA="}


@pytest.mark.parametrize("stage", ["prod", "$default"])
def test_the_gateway_serves_under_any_http_api_stage(viewer_gateway: Any, stage: str) -> None:
    """A named HTTP API stage puts its name before the route's path (`/prod/graphql`): still served."""
    prefix = "" if stage == "$default" else f"/{stage}"
    for method, path, payload in (("POST", "/graphql", {"query": "{ courses { title } }"}), ("GET", "/health", None)):
        event = http_v2(method, prefix + path, payload)
        event["requestContext"]["stage"] = stage
        event["routeKey"] = f"{method} {path}"
        response = viewer_gateway(event, None)
        assert response["statusCode"] == 200, response
        assert "errors" not in body(response), body(response)
