"""Subgraph faults against real loopback servers: partial data, clear errors, retries, circuit breaking."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time

import pytest
from subgraphs import FaultServer, supergraph

from gateway.config import GatewayConfig
from gateway.gateway import Gateway
from gateway.request import GraphQLRequest

BOTH = "{ a b }"


def config(**overrides) -> GatewayConfig:
    settings = dict(subgraph_timeout=2.0, retry_base_delay=0.001, retry_max_delay=0.01)
    settings.update(overrides)
    return GatewayConfig(**settings)


async def run(gateway: Gateway, query: str = BOTH, **kwargs) -> dict:
    return (await gateway.execute(GraphQLRequest(query=query, **kwargs))).body


@pytest.fixture
async def servers():
    async with FaultServer("alpha") as alpha, FaultServer("beta") as beta:
        yield alpha, beta


def gateway_for(alpha: FaultServer, beta: FaultServer, **overrides) -> Gateway:
    return Gateway(supergraph(alpha.url, beta.url), config(**overrides))


def messages(body: dict) -> list[str]:
    return [e["message"] for e in body.get("errors", [])]


@pytest.mark.parametrize("mode, message, attempts", [
    ("500", 'Subgraph "beta" answered HTTP 500', 1),
    ("503", 'Subgraph "beta" answered HTTP 503', 3),
    ("garbage", 'Subgraph "beta" answered something that is not a GraphQL response', 1),
    ("cut", 'Subgraph "beta" could not be reached', 1),  # part of the answer had arrived: not retried
    ("refuse", 'Subgraph "beta" could not be reached', 3),
])
async def test_a_failing_subgraph_leaves_the_rest_of_the_response(servers, mode, message, attempts):
    alpha, beta = servers
    beta.mode = mode
    gateway = gateway_for(alpha, beta)
    body = await run(gateway)
    assert body["data"] == {"a": "alpha", "b": None}
    assert messages(body) == [message]
    assert beta.count("query") == attempts  # retried (twice by default) only when retrying is safe and useful
    beta.mode = "ok"
    assert (await run(gateway))["data"] == {"a": "alpha", "b": "beta"}  # healthy afterwards
    await gateway.aclose()


async def test_a_hanging_subgraph_times_out_per_subgraph(servers):
    alpha, beta = servers
    beta.mode = "hang"
    gateway = gateway_for(alpha, beta, subgraph_timeouts={"beta": 0.2}, subgraph_retries=0)
    started = time.monotonic()
    body = await run(gateway)
    assert time.monotonic() - started < 1.5  # beta's own deadline, not the 2 s default
    assert body["data"] == {"a": "alpha", "b": None}
    assert messages(body) == ['Subgraph "beta" did not answer in time']
    beta.mode = "ok"
    assert (await run(gateway))["data"] == {"a": "alpha", "b": "beta"}
    await gateway.aclose()


async def test_timeouts_are_not_retried_by_default(servers):
    alpha, beta = servers
    beta.mode = "hang"
    gateway = gateway_for(alpha, beta, subgraph_timeouts={"beta": 0.1}, subgraph_retries=2)
    body = await run(gateway)
    assert messages(body) == ['Subgraph "beta" did not answer in time']
    assert beta.count("query") == 1
    await gateway.aclose()


async def test_timeouts_are_retried_for_queries_when_asked(servers):
    alpha, beta = servers
    beta.mode = "hang"
    gateway = gateway_for(alpha, beta, subgraph_timeouts={"beta": 0.1}, subgraph_retries=2, retry_timeouts=True)
    body = await run(gateway)
    assert messages(body) == ['Subgraph "beta" did not answer in time']
    assert beta.count("query") == 3
    await gateway.aclose()


async def test_mutations_are_never_retried(servers):
    alpha, beta = servers
    alpha.mode = "503"
    gateway = gateway_for(alpha, beta, subgraph_retries=5)
    body = await run(gateway, "mutation { touch }")
    assert body["data"] == {"touch": None}
    assert messages(body) == ['Subgraph "alpha" answered HTTP 503']
    assert alpha.count("mutation") == 1
    alpha.mode = "refuse"
    await run(gateway, "mutation { touch }")
    assert alpha.count("mutation") == 2
    await gateway.aclose()


async def test_the_breaker_opens_fails_fast_and_recovers_half_open(servers):
    alpha, beta = servers
    beta.mode = "500"
    gateway = gateway_for(alpha, beta, breaker_threshold=3, breaker_open_seconds=0.3)
    for _ in range(3):
        await run(gateway)
    assert beta.count("query") == 3
    body = await run(gateway)  # open: beta is not called, alpha still answers
    assert body["data"] == {"a": "alpha", "b": None}
    assert messages(body) == ['Subgraph "beta" is unavailable (circuit open)']
    assert beta.count("query") == 3
    await asyncio.sleep(0.35)
    body = await run(gateway)  # half-open probe fails: open again
    assert beta.count("query") == 4
    assert messages(await run(gateway)) == ['Subgraph "beta" is unavailable (circuit open)']
    assert beta.count("query") == 4
    beta.mode = "ok"
    await asyncio.sleep(0.35)
    assert (await run(gateway))["data"] == {"a": "alpha", "b": "beta"}  # the probe succeeds: closed
    assert (await run(gateway))["data"] == {"a": "alpha", "b": "beta"}
    assert beta.count("query") == 6
    await gateway.aclose()


CRASHING = textwrap.dedent('''
    import os, socket
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); print(s.getsockname()[1], flush=True)
    c, _ = s.accept(); c.recv(65536)
    c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: 100\\r\\n\\r\\n{\\"data\\":")
    os._exit(1)
''')


async def test_a_subgraph_process_crashing_mid_response(servers):
    alpha, _ = servers
    proc = subprocess.Popen([sys.executable, "-c", CRASHING], stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())
        gateway = Gateway(supergraph(alpha.url, f"http://127.0.0.1:{port}/graphql"), config())
        body = await run(gateway)
        assert body["data"] == {"a": "alpha", "b": None}
        assert messages(body) == ['Subgraph "beta" could not be reached']
        assert proc.wait(5) == 1
        body = await run(gateway)  # the process is gone: connection refused, retried, then reported
        assert body["data"] == {"a": "alpha", "b": None}
        assert messages(body) == ['Subgraph "beta" could not be reached']
        await gateway.aclose()
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, 9)
