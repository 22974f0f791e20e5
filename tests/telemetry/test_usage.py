"""Client field usage: recorded from real requests, persisted (SQLite, DynamoDB Local), reported by
`bff usage`, and consulted by the registry's breaking-change check."""

from __future__ import annotations

import json
import uuid

import pytest

from discovery.registry import PublishRequest, Registry
from discovery.store import open_store
from gateway.cli import main as bff
from gateway.config import GatewayConfig
from gateway.gateway import Gateway
from gateway.request import GraphQLRequest
from gateway.telemetry import TelemetrySettings
from services.toolkit import Schema

from .conftest import Query


@pytest.fixture(params=["sqlite", "dynamodb"])
def registry_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/registry.db?create=1"
    endpoint = request.getfixturevalue("dynamodb_local")
    return f"dynamodb://t{uuid.uuid4().hex[:12]}?endpoint={endpoint}&region=us-east-1&create=1"


SDL = Schema(query=Query).execute_sync("{ _service { sdl } }").data["_service"]["sdl"]


def _publish(registry: Registry, url: str, sdl: str):
    return registry.publish(PublishRequest("people", url, sdl, "test"))


def _client(name: str, version: str) -> dict[str, str]:
    return {"apollographql-client-name": name, "apollographql-client-version": version}


async def test_usage_recorded_reported_and_used_by_the_breaking_check(registry_url, subgraph_url, capsys):
    registry = Registry(open_store(registry_url))
    assert _publish(registry, subgraph_url, SDL).ok
    settings = TelemetrySettings(usage_store=registry_url, usage_flush_seconds=3600)
    gateway = Gateway(registry.supergraph().sdl, GatewayConfig(telemetry=settings))
    for _ in range(3):
        r = await gateway.execute(GraphQLRequest("query Me { me { id name } }", headers=_client("web", "1.0")))
        assert "errors" not in r.body
    r = await gateway.execute(GraphQLRequest("query U($n: Int!) { users(first: $n) { ...F } } fragment F on User { email }",
                                             variables={"n": 1}, headers=_client("ios", "2.3")))
    assert "errors" not in r.body
    await gateway.execute(GraphQLRequest("{ nope }", headers=_client("web", "1.0")))  # invalid: not counted
    await gateway.aclose()  # flushes what is pending

    assert bff(["usage", "--registry", registry_url, "--json"]) == 0
    table = json.loads(capsys.readouterr().out)
    assert table["Query.me"] == {"web 1.0": 3} and table["User.name"] == {"web 1.0": 3}
    assert table["User.email"] == {"ios 2.3": 1} and table["Query.users(first:)"] == {"ios 2.3": 1}
    assert "Query.nope" not in table and "Query.boom" not in table
    assert bff(["usage", "--registry", registry_url, "--field", "User.email", "--days", "7"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["FIELD", "CLIENT", "REQUESTS"] and out[1].split() == ["User.email", "ios", "2.3", "1"]

    # removing a field nobody used is not breaking; removing one in use names its clients
    unused_removed = SDL.replace("  boom: String\n", "")
    assert _publish(registry, subgraph_url, unused_removed).ok
    used_removed = unused_removed.replace("  email: String!\n", "")
    outcome = _publish(registry, subgraph_url, used_removed)
    assert not outcome.ok
    (problem,) = outcome.problems
    assert problem.code == "BREAKING_CHANGE" and "User.email" in problem.message and "ios 2.3" in problem.message
    assert "web" not in problem.message


def test_no_usage_recorded_keeps_the_check_conservative(tmp_path, subgraph_url):
    registry = Registry(open_store(f"sqlite:///{tmp_path}/r.db", create=True))
    assert _publish(registry, subgraph_url, SDL).ok
    outcome = _publish(registry, subgraph_url, SDL.replace("  boom: String\n", ""))
    assert not outcome.ok and outcome.problems[0].code == "BREAKING_CHANGE"


async def test_background_flush_never_holds_a_request(tmp_path, supergraph):
    url = f"sqlite:///{tmp_path}/usage.db?create=1"
    gateway = Gateway(supergraph, GatewayConfig(telemetry=TelemetrySettings(usage_store=url, usage_flush_seconds=0)))
    await gateway.execute(GraphQLRequest("{ me { id } }", headers=_client("web", "1")))
    recorder = gateway.telemetry.usage
    recorder.wait()
    rows = open_store(url).usage("2000-01-01")
    assert {(r.coordinate, r.client, r.count) for r in rows} == {("Query.me", "web", 1), ("User.id", "web", 1)}
    await gateway.aclose()


def test_usage_command_without_data(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/empty.db"
    assert bff(["usage", "--registry", url]) == 1  # no registry there: said so, and none is created
    assert "no registry at" in capsys.readouterr().err and not (tmp_path / "empty.db").exists()
    assert bff(["registry", "init", url]) == 0
    capsys.readouterr()
    assert bff(["usage", "--registry", url]) == 0
    assert "no usage recorded in the last 30 days" in capsys.readouterr().out
