"""The operator's log: a line per graph loaded or swapped (bff.supergraph), rate-limited subgraph failure
and circuit lines (bff.subgraph), field usage written by a timer, and these lines shown by `bff serve`
with no logging configured."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time

import httpx

from discovery.store import open_store
from gateway.config import GatewayConfig
from gateway.execute.subgraph_log import SubgraphLog
from gateway.gateway import Gateway
from gateway.request import GraphQLRequest
from gateway.supergraph_source import GatewaySwitch, gateway_builder
from gateway.telemetry import TelemetrySettings
from tests.discovery.plain_subgraph import plain_subgraph
from tests.support.asgi_server import serve_in_thread

from .conftest import HELLO, ROOT, WORLD, closed_port, publish


def _lines(caplog, logger: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == logger]


async def test_graph_loaded_and_swapped_lines(registry, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="bff")
    publish(registry, "hello", "http://127.0.0.1:9/graphql", HELLO)
    switch = await GatewaySwitch.start(registry, gateway_builder(GatewayConfig()), poll_interval=60)
    publish(registry, "world", "http://127.0.0.1:9/graphql", WORLD)
    assert await switch.refresh()
    await switch.aclose()
    assert _lines(caplog, "bff.supergraph") == [
        "supergraph version 1 loaded from registry: 1 services (hello)",
        "supergraph version 2 swapped in (was 1) from registry: 2 services (hello, world)"]

    caplog.clear()
    fallback = tmp_path / "bundled.graphql"
    fallback.write_text(registry.supergraph().sdl)

    class Down:
        def version(self):
            raise ConnectionError("registry unreachable")

        supergraph = version

    switch = await GatewaySwitch.start(Down(), gateway_builder(GatewayConfig()), fallback_path=str(fallback))
    switch.source = registry  # the registry is back
    assert await switch.refresh()
    await switch.aclose()
    lines = _lines(caplog, "bff.supergraph")
    assert lines[0].startswith("registry unavailable at cold start (registry unreachable)")
    assert lines[1] == f"supergraph version 0 loaded from fallback {fallback}: 2 services (hello, world)"
    assert lines[2] == ("supergraph version 2 swapped in (was the fallback file) from registry: "
                        "2 services (hello, world)")

    caplog.clear()
    gateway = Gateway.from_file(fallback)
    await gateway.aclose()
    [line] = _lines(caplog, "bff.supergraph")
    assert line.startswith("supergraph version sha256:")
    assert line.endswith(f"from file {fallback}: 2 services (hello, world)")


def test_subgraph_failures_are_rate_limited_per_subgraph():
    now = [0.0]
    records: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    log = logging.getLogger("tests.ops.subgraph")
    log.addHandler(Capture())
    log.propagate = False
    sub = SubgraphLog(interval=60, clock=lambda: now[0], log=log)
    for _ in range(5):
        sub.failure("a", "boom")
    sub.failure("b", "down")
    now[0] = 59.0
    sub.failure("a", "boom")
    now[0] = 61.0
    sub.failure("a", "boom again")
    assert records == ['subgraph "a" failed: boom', 'subgraph "b" failed: down',
                       'subgraph "a" failed: boom again (5 more failures of this subgraph not logged in the last 60 s)']


async def test_real_subgraph_failures_and_circuit_lines(registry, caplog):
    caplog.set_level(logging.WARNING, logger="bff.subgraph")
    port = closed_port()
    publish(registry, "hello", f"http://127.0.0.1:{port}/graphql", HELLO)
    config = GatewayConfig(subgraph_retries=0, breaker_threshold=3, breaker_open_seconds=0.3,
                           subgraph_log_interval=60)
    gateway = Gateway(registry.supergraph().sdl, config)
    for _ in range(2):  # down, circuit still closed: one line for both failures
        assert (await gateway.execute(GraphQLRequest("{ hello }"))).body["data"] == {"hello": None}
    assert _lines(caplog, "bff.subgraph") == ['subgraph "hello" failed: Subgraph "hello" could not be reached '
                                                  f'(http://127.0.0.1:{port}/graphql)']
    await gateway.execute(GraphQLRequest("{ hello }"))  # the third failure opens the circuit
    for _ in range(5):  # failing fast while open: nothing more is logged
        await gateway.execute(GraphQLRequest("{ hello }"))
    lines = _lines(caplog, "bff.subgraph")
    assert lines[1:] == ['subgraph "hello": circuit opened after 3 consecutive failures; its fields are null '
                         'for 0.3 s, then one probe request']
    with serve_in_thread(plain_subgraph(HELLO, {"hello": "back"}), port=port, health_path=None):
        await asyncio.sleep(0.35)
        assert (await gateway.execute(GraphQLRequest("{ hello }"))).body == {"data": {"hello": "back"}}
    assert _lines(caplog, "bff.subgraph")[2:] == ['subgraph "hello": circuit closed, the probe request succeeded']
    await gateway.aclose()


async def test_usage_is_flushed_by_the_timer_without_a_later_request(registry, tmp_path):
    with serve_in_thread(plain_subgraph(HELLO, {"hello": "hi"}), health_path=None) as subgraph:
        publish(registry, "hello", subgraph.graphql_url, HELLO)
        url = f"sqlite:///{tmp_path}/registry.db"
        gateway = Gateway(registry.supergraph().sdl,
                          GatewayConfig(telemetry=TelemetrySettings(usage_store=url, usage_flush_seconds=1.0)))
        headers = {"apollographql-client-name": "ios", "apollographql-client-version": "1.0"}
        assert (await gateway.execute(GraphQLRequest("{ hello }", headers=headers))).body == {"data": {"hello": "hi"}}
        store = open_store(url)
        deadline = time.monotonic() + 6  # no request after the one counted: only the timer can write it
        while not (used := store.usage("0000-01-01")) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert used, "usage not written by the timer"
        await gateway.aclose()


def test_bff_serve_logs_the_graph_and_subgraph_failures_with_no_logging_setup(registry, tmp_path):
    port = closed_port()
    publish(registry, "hello", f"http://127.0.0.1:{port}/graphql", HELLO)
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(registry.supergraph().sdl)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")}
    process = subprocess.Popen([sys.executable, "-m", "gateway", "serve", "--supergraph", str(supergraph),
                                "--port", "0"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        first = process.stdout.readline()
        assert "GraphQL endpoint at " in first, first
        url = first.split("GraphQL endpoint at ", 1)[1].strip()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(url.replace("/graphql", "/ready")).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        for _ in range(3):
            httpx.post(url, json={"query": "{ hello }"})
    finally:
        process.terminate()
        _, err = process.communicate(timeout=20)
    assert " INFO bff.supergraph: supergraph version sha256:" in err and "1 services (hello)" in err
    failures = [line for line in err.splitlines() if " WARNING bff.subgraph: " in line]
    assert len(failures) == 1 and 'subgraph "hello" failed' in failures[0], err
