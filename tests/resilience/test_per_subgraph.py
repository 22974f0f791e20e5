"""Per-subgraph retries and circuit breakers from bff.yaml, against real loopback subgraphs.

`subgraphs.NAME.retries` / `.circuit_breaker` override `subgraphs.all` for that subgraph only
(keys left out take `all`'s values); the configuration is read from a file as `bff serve --config` does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from subgraphs import FaultServer, supergraph

from gateway.config.build import settings
from gateway.gateway import Gateway
from gateway.request import GraphQLRequest


@pytest.fixture
async def servers():
    async with FaultServer("alpha") as alpha, FaultServer("beta") as beta:
        yield alpha, beta


def gateway_from_file(tmp_path: Path, alpha: FaultServer, beta: FaultServer, subgraphs: dict) -> Gateway:
    path = tmp_path / "bff.yaml"
    path.write_text(json.dumps({"subgraphs": subgraphs}))  # JSON is YAML
    config = settings(str(path), env={}).gateway
    return Gateway(supergraph(alpha.url, beta.url), config)


async def run(gateway: Gateway, query: str = "{ a b }") -> dict:
    return (await gateway.execute(GraphQLRequest(query=query))).body


def messages(body: dict) -> list[str]:
    return [e["message"] for e in body.get("errors", [])]


async def test_a_503_is_retried_per_the_subgraphs_own_override_and_not_for_the_other(tmp_path, servers):
    alpha, beta = servers
    alpha.mode = beta.mode = "503"
    gateway = gateway_from_file(tmp_path, alpha, beta, {
        "all": {"retries": {"attempts": 0, "base_delay": 0.001, "max_delay": 0.002}},
        "beta": {"retries": {"attempts": 4}},  # base_delay / max_delay: all's
    })
    body = await run(gateway)
    assert body["data"] == {"a": None, "b": None}
    assert sorted(messages(body)) == ['Subgraph "alpha" answered HTTP 503', 'Subgraph "beta" answered HTTP 503']
    assert alpha.count("query") == 1  # `all`: no retries
    assert beta.count("query") == 5  # its own: 4 retries after the first attempt
    beta.mode = "ok"
    assert (await run(gateway))["data"] == {"a": None, "b": "beta"}
    await gateway.aclose()


async def test_all_retries_apply_where_a_subgraph_overrides_only_its_breaker(tmp_path, servers):
    alpha, beta = servers
    beta.mode = "503"
    gateway = gateway_from_file(tmp_path, alpha, beta, {
        "all": {"retries": {"attempts": 2, "base_delay": 0.001, "max_delay": 0.002}},
        "beta": {"circuit_breaker": {"open_seconds": 30}},
    })
    await run(gateway)
    assert beta.count("query") == 3  # all's 2 retries
    await gateway.aclose()


async def test_a_breaker_override_opens_after_its_own_threshold(tmp_path, servers):
    alpha, beta = servers
    alpha.mode = beta.mode = "500"
    gateway = gateway_from_file(tmp_path, alpha, beta, {
        "all": {"retries": {"attempts": 0}, "circuit_breaker": {"threshold": 5, "open_seconds": 30}},
        "beta": {"circuit_breaker": {"threshold": 2}},  # open_seconds: all's 30
    })
    for _ in range(2):
        await run(gateway)
    assert (alpha.count("query"), beta.count("query")) == (2, 2)
    body = await run(gateway)  # beta's breaker is open after 2 failures; alpha's (threshold 5) is not
    assert sorted(messages(body)) == ['Subgraph "alpha" answered HTTP 500',
                                      'Subgraph "beta" is unavailable (circuit open)']
    assert (alpha.count("query"), beta.count("query")) == (3, 2)
    await run(gateway)
    await run(gateway)  # alpha's 5th failure opens its own
    assert alpha.count("query") == 5
    assert messages(await run(gateway)) == ['Subgraph "alpha" is unavailable (circuit open)',
                                            'Subgraph "beta" is unavailable (circuit open)']
    assert (alpha.count("query"), beta.count("query")) == (5, 2)
    assert gateway.breakers.not_closed() == {"alpha": "open", "beta": "open"}
    assert gateway.breakers["beta"].open_seconds == 30  # left out of the override: all's value
    await gateway.aclose()


async def test_overrides_for_an_unknown_subgraph_are_refused_at_start(tmp_path, servers):
    alpha, beta = servers
    with pytest.raises(ValueError, match=r"Retries configured \(`subgraphs.NAME.retries` in bff.yaml\) for "
                                         r"unknown subgraphs: gamma \(known: alpha, beta\)"):
        gateway_from_file(tmp_path, alpha, beta, {"gamma": {"retries": {"attempts": 1}}})
    with pytest.raises(ValueError, match=r"Circuit breakers configured .* unknown subgraphs: gamma"):
        gateway_from_file(tmp_path, alpha, beta, {"gamma": {"circuit_breaker": {"threshold": 1}}})
    with pytest.raises(ValueError, match=r"Response header rules configured .* unknown subgraphs: gamma"):
        gateway_from_file(tmp_path, alpha, beta, {"gamma": {"headers": {"response": ["x-a"]}}})
