"""Lambda subgraphs report their response headers (issue 11): the `lambda:` transport carries a function's
proxy-response headers (payload 2.0 `headers` + `cookies`, payload 1.0 `multiValueHeaders`) into what the
HTTP transport reports, so `subgraphs.NAME.headers.response` rules and Set-Cookie merging work for
services reached by direct invoke. The services here are the example services' real Mangum handlers."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest

from gateway.execute.lambda_transport import proxy_headers
from gateway.http import lambda_handler
from services.toolkit import service_app
from services.toolkit.lambda_handler import make_handler

from .events import http_v2
from .inprocess import ROOT, SERVICES, InProcessLambda

API_KEY = "header-test-key-0123456789"
QUERY = "{ courses { title instructor { name } averageRating } }"  # courses, accounts, reviews


def with_headers(app: Any, extra: list[tuple[bytes, bytes]]) -> Any:
    """ASGI middleware adding `extra` response headers (as a service's own code or framework would)."""
    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)
        await app(scope, receive, sending)
    return wrapped


def handler(name: str) -> Any:
    schema = importlib.import_module(f"services.{name}.schema").schema
    extra = [(b"x-served-by", f"{name}-1".encode()), (b"x-internal", b"secret"),
             (b"set-cookie", f"{name}=1; Path=/; HttpOnly".encode())]
    if name == "reviews":
        extra += [(b"set-cookie", b"reviews-seen=yes"), (b"cache-control", b"private, max-age=60")]
    return make_handler(with_headers(service_app(name, schema, api_keys=[API_KEY]), extra))


@pytest.fixture()
def gateway(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Any:
    config = tmp_path / "bff.yaml"
    config.write_text("subgraphs:\n  all:\n    headers:\n      response: [x-served-by]\n")
    lambdas = InProcessLambda({f"bff-test-{name}": handler(name) for name in SERVICES})
    monkeypatch.setenv("BFF_CONFIG", str(config))
    monkeypatch.setenv("BFF_SUPERGRAPH", str(ROOT / "services" / "supergraph.graphql"))
    monkeypatch.setenv("BFF_SUBGRAPH_URLS", ",".join(f"{n}=lambda:bff-test-{n}" for n in SERVICES))
    monkeypatch.setenv("BFF_SUBGRAPH_API_KEYS", ",".join(f"{n}=env:BFF_TEST_SERVICE_KEY" for n in SERVICES))
    monkeypatch.setenv("BFF_TEST_SERVICE_KEY", API_KEY)
    monkeypatch.setenv("BFF_ALLOW_ANONYMOUS", "true")
    for name in ("BFF_REGISTRY", "BFF_IDENTITY_SECRET", "BFF_FALLBACK_SERVICES"):
        monkeypatch.delenv(name, raising=False)

    def factory() -> Any:
        built = lambda_handler._build_gateway()
        built.transport.inner._lambda_transport()._client = lambdas
        return built

    monkeypatch.setattr(lambda_handler, "_gateway_factory", factory)
    monkeypatch.setattr(lambda_handler, "_handler", None)
    return lambda_handler.handler


def test_service_headers_and_cookies_reach_the_client_through_direct_invoke(gateway: Any) -> None:
    response = gateway(http_v2("POST", "/graphql", {"query": QUERY}), None)
    answer = json.loads(response["body"])
    assert response["statusCode"] == 200 and "errors" not in answer, answer
    headers = {k.lower(): v for k, v in response["headers"].items()}
    # The rule `subgraphs.all.headers.response: [x-served-by]`: every called service's value, joined.
    assert sorted(headers["x-served-by"].split(", ")) == ["accounts-1", "courses-1", "reviews-1"], headers
    assert "x-internal" not in headers  # named by no rule
    # Set-Cookie is always merged (payload 2.0: the gateway's answer lists them under `cookies`).
    assert sorted(response["cookies"]) == ["accounts=1; Path=/; HttpOnly", "courses=1; Path=/; HttpOnly",
                                           "reviews-seen=yes", "reviews=1; Path=/; HttpOnly"], response
    assert headers["cache-control"] == "private, max-age=60"  # the strictest of the answers'


def test_payload_shapes() -> None:
    v2 = {"statusCode": 200, "headers": {"X-A": "1", "content-type": "application/json"}, "cookies": ["a=1", "b=2"]}
    assert proxy_headers(v2) == {"x-a": "1", "content-type": "application/json", "set-cookie": "a=1\nb=2"}
    v1 = {"statusCode": 200, "headers": {"X-A": "1"},
          "multiValueHeaders": {"X-A": ["1", "2"], "Set-Cookie": ["a=1", "b=2"]}}
    assert proxy_headers(v1) == {"x-a": "1, 2", "set-cookie": "a=1\nb=2"}
    assert proxy_headers({"statusCode": 200}) == {}
