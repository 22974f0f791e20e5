"""End to end through serverless-offline: client -> gateway (in this process, its real Lambda
transport) -> serverless-offline's Lambda Invoke API -> the service functions' handlers -> back."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from gateway.config import GatewayConfig
from gateway.request import GraphQLRequest

from .inprocess import ROOT, SERVICES, load_build
from .osls import OSLS, offline_env, require_osls

pytestmark = pytest.mark.slow
KEY = "offline-service-key-0123456789"
IDENTITY = "offline-identity-secret-0123456789abcdef"  # stage `local`: identitySecret env:BFF_LOCAL_IDENTITY_SECRET


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lambda_port() -> Iterator[int]:
    """`osls offline start --stage local` serving every function; its Lambda Invoke API's port."""
    require_osls()
    http_port, lambda_port = free_port(), free_port()
    # serverless-offline runs python3 from $VIRTUAL_ENV/bin: this interpreter and its packages.
    with offline_env(VIRTUAL_ENV=sys.prefix, BFF_LOCAL_API_KEY=KEY, BFF_LOCAL_IDENTITY_SECRET=IDENTITY) as env:
        proc = subprocess.Popen([str(OSLS), "offline", "start", "--stage", "local", "--host", "127.0.0.1",
                                 "--httpPort", str(http_port), "--lambdaPort", str(lambda_port)],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, start_new_session=True)
        output: list[str] = []
        deadline = time.monotonic() + 180  # its HTTP server comes up last; slow on a busy 2-core machine
        try:
            while time.monotonic() < deadline and proc.poll() is None:
                ready, _, _ = select.select([proc.stdout], [], [], 0.5)
                if ready:
                    output.append(proc.stdout.readline())  # type: ignore[union-attr]
                    if "Server ready" in output[-1]:
                        break
            else:
                pytest.fail("serverless-offline did not start:\n" + "".join(output)[-3000:])
            yield lambda_port
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def gateway(lambda_port: int, key: str) -> "object":
    from gateway.gateway import Gateway

    os.environ["BFF_OFFLINE_TEST_KEY"] = key
    sdl = load_build().lambda_supergraph((ROOT / "services" / "supergraph.graphql").read_text(), "local")
    os.environ["BFF_OFFLINE_TEST_IDENTITY"] = IDENTITY
    built = Gateway(sdl, GatewayConfig(subgraph_api_keys={n: "env:BFF_OFFLINE_TEST_KEY" for n in SERVICES},
                                       identity_secret="env:BFF_OFFLINE_TEST_IDENTITY"))
    built.transport.inner._lambda_transport().endpoint_url = f"http://127.0.0.1:{lambda_port}"
    return built


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIALOCALONLY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local-only")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")


async def test_query_across_service_lambdas(lambda_port: int) -> None:
    built = gateway(lambda_port, KEY)
    query = "{ courses { title instructor { name } averageRating } }"
    started = time.perf_counter()
    first = await built.execute(GraphQLRequest(query=query))  # type: ignore[attr-defined]
    cold = time.perf_counter() - started
    assert "errors" not in first.body, first.body
    courses = first.body["data"]["courses"]
    assert courses and any(c["instructor"] and c["instructor"]["name"] for c in courses)
    started = time.perf_counter()
    for _ in range(5):
        again = await built.execute(GraphQLRequest(query=query))  # type: ignore[attr-defined]
    warm = (time.perf_counter() - started) / 5
    assert again.body == first.body
    print(f"\nserverless-offline: first query {cold * 1000:.0f} ms, warm {warm * 1000:.0f} ms (3 invokes each)")
    await built.transport.aclose()  # type: ignore[attr-defined]


async def test_the_services_refuse_a_wrong_api_key(lambda_port: int) -> None:
    built = gateway(lambda_port, "wrong-key-0123456789")
    response = await built.execute(GraphQLRequest(query="{ courses { title } }"))  # type: ignore[attr-defined]
    assert response.body["data"] is None or response.body["data"].get("courses") is None
    assert "UNAUTHENTICATED" in str(response.body["errors"])
    await built.transport.aclose()  # type: ignore[attr-defined]
