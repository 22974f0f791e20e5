"""Conformance with Hive Gateway (@graphql-hive/gateway, tests/node): the same subscription and the same
`@defer` queries, over the same example services, through Hive Gateway and through `bff serve`, read by
the same real clients (npm graphql-ws; meros for multipart), and the merged results compared.

@apollo/gateway cannot take part: it serves neither subscriptions nor @defer (Apollo's subscriptions and
@defer are in Apollo Router). Differences found and whose behaviour is right: docs/realtime.md,
"Conformance with Hive Gateway"."""

from __future__ import annotations

import contextlib
import copy
import json
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.realtime.clients import NODE_DIR, ROOT, BffServe, node_client
from tests.support.requires import missing

SUBSCRIPTION = 'subscription { reviewAdded(courseId: "c1") { id rating body course { title } author { name } } }'
DEFERRED = [
    '{ course(id: "c1") { title ... @defer(label: "more") { alsoReviewed { title } } } }',
    '{ courses { id title ... @defer(label: "slow") { alsoReviewed(limit: 1) { id title } } } }',
]


@pytest.fixture(scope="module")
def hive_gateway(example_services: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Hive Gateway over the example services; its /graphql URL."""
    binary = NODE_DIR / "node_modules" / ".bin" / "hive-gateway"
    if not binary.exists():
        missing("@graphql-hive/gateway is not installed in tests/node (npm ci)")
    supergraph = (ROOT / "services" / "supergraph.graphql").read_text()
    for name, url in example_services.items():
        pattern = rf'(@join__graph\(name: "{name}", url: ")[^"]+'
        supergraph = re.sub(pattern, lambda m, url=url: m.group(1) + url, supergraph)
    path = tmp_path_factory.mktemp("hive") / "supergraph.graphql"
    path.write_text(supergraph)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["node", str(binary), "supergraph", str(path), "-c", "realtime/hive-gateway.config.mjs",
                             "--host", "127.0.0.1", "-p", str(port)], cwd=NODE_DIR,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readiness", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError("Hive Gateway did not start: " + (proc.stdout.read() if proc.stdout else ""))
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_the_same_subscription_gives_the_same_events(bff_serve: BffServe, hive_gateway: str) -> None:
    hive_ws = "ws://" + hive_gateway[len("http://"):]
    spec = {"subscriptions": [{"query": SUBSCRIPTION}]}
    with node_client("ws-client.mjs", {**spec, "url": bff_serve.ws_url}) as ours, \
            node_client("ws-client.mjs", {**spec, "url": hive_ws}) as theirs:
        ours.wait_for(lambda e: e["event"] == "connected")
        theirs.wait_for(lambda e: e["event"] == "connected")
        deadline = time.monotonic() + 30
        common: set[str] = set()
        while not common and time.monotonic() < deadline:  # both subscriptions reach the subgraph asynchronously
            httpx.post(bff_serve.url, json={"query": 'mutation { addReview(courseId: "c1", authorId: "u2", '
                                                     'rating: 5, body: "Loved it") { id } }'}, timeout=10)
            for client in (ours, theirs):  # read what arrived
                with contextlib.suppress(AssertionError):
                    client.wait_for(lambda e: False, 0.5)
            mine = {e["data"]["data"]["reviewAdded"]["id"]: e for e in ours.events(0) if e["event"] == "next"}
            hive = {e["data"]["data"]["reviewAdded"]["id"]: e for e in theirs.events(0) if e["event"] == "next"}
            common = set(mine) & set(hive)
        assert common, (ours.seen, theirs.seen)
        for review in common:
            assert mine[review]["data"] == hive[review]["data"]
        event = mine[min(common)]["data"]
        assert event["data"]["reviewAdded"]["course"] == {"title": "Introduction to GraphQL"}
        assert event["data"]["reviewAdded"]["author"] == {"name": "Alan Turing"}
        assert "errors" not in event


def _parts(url: str, query: str) -> list[dict[str, Any]]:
    out = subprocess.run(["node", "realtime/defer-client.mjs", json.dumps({"url": url, "query": query})],
                         cwd=NODE_DIR, capture_output=True, text=True, timeout=60, check=True).stdout
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[0]["status"] == 200 and lines[0]["contentType"].startswith("multipart/mixed"), lines[0]
    return [line["part"] for line in lines[1:]]


def merged(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The complete result a client builds from the payloads: each incremental `data` merged at its path."""
    result = copy.deepcopy({k: v for k, v in parts[0].items() if k != "hasNext"})
    for part in parts[1:]:
        for item in part.get("incremental", ()):
            target: Any = result["data"]
            for key in item["path"]:
                target = target[key]
            _merge(target, item.get("data") or {})
            result.setdefault("errors", []).extend(item.get("errors", ()))
    if not result.get("errors"):
        result.pop("errors", None)
    return result


def _merge(into: dict[str, Any], data: dict[str, Any]) -> None:
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


@pytest.mark.parametrize("query", DEFERRED)
def test_the_same_deferred_query_merges_to_the_same_result(bff_serve: BffServe, hive_gateway: str,
                                                          query: str) -> None:
    ours, theirs = _parts(bff_serve.url, query), _parts(hive_gateway, query)
    assert merged(ours) == merged(theirs)
    # Both: the first payload without the deferred fields and hasNext true, the last with hasNext false.
    for parts in (ours, theirs):
        assert parts[0]["hasNext"] is True and parts[-1]["hasNext"] is False
        assert "alsoReviewed" not in json.dumps(parts[0])
    # Both answer the deferred fragment at each object's own path, with its label.
    labels = {(tuple(i["path"]), i.get("label")) for parts in (ours,) for p in parts[1:] for i in p["incremental"]}
    assert labels == {(tuple(i["path"]), i.get("label")) for p in theirs[1:] for i in p["incremental"]}
    # And the complete answer (one JSON response) is the same as the merged stream.
    plain = httpx.post(bff_serve.url, json={"query": query}, timeout=30).json()
    assert plain == merged(ours)

