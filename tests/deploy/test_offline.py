"""The offline recipe of deploy/README.md, end to end through serverless-offline's HTTP port:

    client --HTTP--> serverless-offline (HTTP API emulation) --> the gateway's Lambda handler
           --> its Lambda transport --> serverless-offline's Lambda Invoke API (--lambdaPort)
           --> the service functions' handlers --> back.

The registry is DynamoDB Local, filled by `bff publish` (the real publish path: composition checks,
the entries' endpoints and key references); viewers' tokens are RS256 JWTs from a loopback JWKS."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from gateway.config import GatewayConfig
from gateway.request import GraphQLRequest
from tests.support import dynamodb_local
from tests.support.jwks_server import Jwks
from tests.support.requires import missing

from .inprocess import ROOT, SERVICES, load_build
from .osls import offline_env, offline_started, require_osls

pytestmark = pytest.mark.slow
KEY = "offline-service-key-0123456789"
IDENTITY = "offline-identity-secret-0123456789abcdef"  # stage `local`: identitySecret env:BFF_LOCAL_IDENTITY_SECRET
TABLE = "bff-registry-offline"
QUERY = "{ courses { title instructor { name } averageRating } }"  # courses, then accounts + reviews


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Offline:
    url: str  # serverless-offline's HTTP port (the HTTP API)
    lambda_port: int  # its Lambda Invoke API
    idp: Jwks
    log: list[str]
    env: dict[str, str]  # what `osls offline start` ran with


def publish(registry: str, env: dict[str, str]) -> None:
    """Each example service through `bff publish` (as deploy/README.md's recipe), its endpoint the
    function's deployed name and its key a reference the functions resolve."""
    sdl = load_build().service_sdls()
    for name in SERVICES:
        result = subprocess.run(
            [sys.executable, "-m", "gateway", "publish", "--registry", registry, "--create", "--name", name,
             "--url", f"lambda:bff-local-{name}", "--schema", str(sdl / f"{name}.graphql"),
             "--api-key-ref", "env:BFF_LOCAL_API_KEY", "--by", "test_offline"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def offline() -> Iterator[Offline]:
    """`osls offline start --stage local` as deploy/README.md says, with DynamoDB Local and a JWKS."""
    require_osls()
    try:
        dynamo, endpoint = dynamodb_local.start()
    except FileNotFoundError as exc:
        missing(str(exc))
    http_port, lambda_port = free_port(), free_port()
    registry = f"dynamodb://{TABLE}?endpoint={endpoint}"
    load_build().fallback_supergraph("local")  # the gateway's BFF_SUPERGRAPH (used only if the registry fails)
    try:
        with Jwks() as idp, offline_env(
                VIRTUAL_ENV=sys.prefix,  # serverless-offline runs python3 from $VIRTUAL_ENV/bin: this venv
                BFF_LOCAL_API_KEY=KEY, BFF_LOCAL_IDENTITY_SECRET=IDENTITY, BFF_LOCAL_REGISTRY=registry,
                BFF_LOCAL_JWKS_URL=idp.url, BFF_LOCAL_JWT_ISSUER="https://idp.local/", BFF_LOCAL_JWT_AUDIENCE="bff",
                BFF_LAMBDA_ENDPOINT_URL=f"http://127.0.0.1:{lambda_port}") as env:
            publish(registry + "&create=1", env)  # the functions' access key and region (DynamoDB Local: a db each)
            with osls_offline(env, http_port, lambda_port) as output:
                warm_services(lambda_port)
                yield Offline(f"http://127.0.0.1:{http_port}", lambda_port, idp, output, env)
    finally:
        dynamodb_local.stop(dynamo)


@contextmanager
def osls_offline(env: dict[str, str], http_port: int, lambda_port: int, *options: str) -> Iterator[list[str]]:
    """`osls offline start --stage local` until it is ready (its output, still growing, as the value)."""
    with offline_started(["--stage", "local", "--host", "127.0.0.1", "--httpPort", str(http_port),
                          "--lambdaPort", str(lambda_port),
                          "--websocketPort", str(free_port()), *options],  # its WebSocket API: not 3001
                         env, timeout=180) as output:
        yield output


def warm_services(lambda_port: int) -> None:
    """One invocation of each service through the Invoke API. serverless-offline's Python context reports
    a 6 s timeout whatever the function's `timeout` (its invoke.py), so the gateway's deadline offline is
    5 s: a service's first start (a new python process importing its framework) can take longer on a busy
    machine. deploy/README.md ("Offline") says so."""
    from tests.deploy.events import http_v2

    for name in SERVICES:
        started = time.perf_counter()
        request = urllib.request.Request(
            f"http://127.0.0.1:{lambda_port}/2015-03-31/functions/bff-local-{name}/invocations",
            data=json.dumps(http_v2("GET", "/health")).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=120) as response:
            assert response.status == 200 and json.loads(response.read())["statusCode"] == 200
        print(f"{name}: first invocation {(time.perf_counter() - started) * 1000:.0f} ms")


def call(offline: Offline, method: str, path: str, body: Any = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    """One real HTTP request to serverless-offline's HTTP port: status, headers, JSON body."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(offline.url + path, data=data, method=method, headers={
        "content-type": "application/json", "accept": "application/graphql-response+json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, json.loads(error.read() or b"null")


def test_health_reads_the_registry(offline: Offline) -> None:
    """/health 200 and /ready with the registry's version: not the fallback, no `dynamodb://[object Object]`."""
    status, _, body = call(offline, "GET", "/health")
    assert status == 200, body
    assert body["status"] == "ok", body  # "degraded" with FALLBACK_SUPERGRAPH when the registry is unreadable
    time.sleep(0.5)  # the function's log lines reach serverless-offline's output through a pipe
    log = "".join(offline.log)
    assert "from registry" in log and "[object Object]" not in log, log[-3000:]


def test_anonymous_three_service_query_over_lambda_invoke(offline: Offline) -> None:
    started = time.perf_counter()
    status, headers, body = call(offline, "POST", "/graphql", {"query": QUERY})
    first = time.perf_counter() - started
    assert status == 200 and "errors" not in body, body
    courses = body["data"]["courses"]
    # accounts (instructors) and reviews (ratings), each through the Invoke API
    assert courses and any(c["instructor"] and c["instructor"]["name"] for c in courses)
    assert any(c["averageRating"] is not None for c in courses)
    started = time.perf_counter()
    again = call(offline, "POST", "/graphql", {"query": QUERY})
    print(f"\nserverless-offline HTTP: first query {first * 1000:.0f} ms, next "
          f"{(time.perf_counter() - started) * 1000:.0f} ms (3 service invokes each)")
    assert again[2] == body
    # The API Gateway request id, echoed (and passed to every service call and log line).
    assert headers.get("x-request-id"), headers


def test_anonymous_viewers_get_public_fields_only(offline: Offline) -> None:
    status, _, body = call(offline, "POST", "/graphql", {"query": "{ courses { title } me { name } }"})
    assert status == 200, body
    assert body["data"]["courses"] and body["data"]["me"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"], body


def test_a_token_from_the_jwks_gets_viewer_fields(offline: Offline) -> None:
    token = offline.idp.token(sub="u1")  # services/accounts/data.py's demo user
    status, _, body = call(offline, "POST", "/graphql", {"query": "{ me { id name email } }"},
                           {"authorization": f"Bearer {token}"})
    assert status == 200 and "errors" not in body, body
    assert body["data"]["me"]["id"] == "u1" and body["data"]["me"]["email"]  # @policy self: the viewer's own


@pytest.mark.parametrize("authorization", ["Bearer not.a.token", "Bearer {expired}", "Bearer {foreign}"])
def test_an_invalid_token_is_401_with_www_authenticate(offline: Offline, authorization: str) -> None:
    other = Jwks(kid=offline.idp.kid)  # the same kid, another key: a forged signature
    value = authorization.format(expired=offline.idp.token(lifetime=-3600), foreign=other.token())
    status, headers, body = call(offline, "POST", "/graphql", {"query": "{ courses { title } }"},
                                 {"authorization": value})
    assert status == 401, body
    assert headers["www-authenticate"].startswith("Bearer") and 'error="invalid_token"' in headers["www-authenticate"]
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" and body["data"] is None \
        if "data" in body else body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_missing_token_is_401_when_tokens_are_required(offline: Offline) -> None:
    """--param=allowAnonymous=false: no token, 401 with WWW-Authenticate (never 403); a token still works."""
    http_port = free_port()
    with osls_offline(offline.env, http_port, free_port(), "--param=allowAnonymous=false"):
        required = Offline(f"http://127.0.0.1:{http_port}", offline.lambda_port, offline.idp, [], offline.env)
        status, headers, body = call(required, "POST", "/graphql", {"query": "{ courses { title } }"})
        assert status == 401, body
        assert headers["www-authenticate"].startswith("Bearer"), headers
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        token = offline.idp.token(sub="u1")  # its services: the first instance's Invoke API (the same names)
        status, _, body = call(required, "POST", "/graphql", {"query": "{ me { id } }"},
                               {"authorization": f"Bearer {token}"})
        assert status == 200 and body["data"]["me"]["id"] == "u1", body


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIALOCALONLY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local-only")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")


def gateway(lambda_port: int, key: str) -> "object":
    """A gateway in this process holding `key` for every service, its Lambda transport pointed at
    serverless-offline's Invoke API (tests/deploy/test_subscriptions_offline.py uses it too)."""
    from gateway.gateway import Gateway

    os.environ["BFF_OFFLINE_TEST_KEY"] = key
    sdl = load_build().lambda_supergraph((ROOT / "services" / "supergraph.graphql").read_text(), "local")
    os.environ["BFF_OFFLINE_TEST_IDENTITY"] = IDENTITY
    built = Gateway(sdl, GatewayConfig(subgraph_api_keys={n: "env:BFF_OFFLINE_TEST_KEY" for n in SERVICES},
                                       identity_secret="env:BFF_OFFLINE_TEST_IDENTITY"))
    built.transport.inner._lambda_transport().endpoint_url = f"http://127.0.0.1:{lambda_port}"
    return built


async def test_the_services_refuse_a_wrong_api_key(offline: Offline) -> None:
    """A gateway holding the wrong key (in this process, its real Lambda transport) is refused by the
    service functions behind serverless-offline's Invoke API."""
    built: Any = gateway(offline.lambda_port, "wrong-key-0123456789")
    response = await built.execute(GraphQLRequest(query="{ courses { title } }"))
    assert response.body["data"] is None or response.body["data"].get("courses") is None
    assert "UNAUTHENTICATED" in str(response.body["errors"])
    await built.transport.aclose()
