"""@defer against `bff serve` over the example services, read by `meros` (the multipart parser urql and Relay use):
the first payload before the slow subgraph answers, the deferred fragment after it, in deferSpec=20220824's shape."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import httpx
import pytest

from tests.realtime.clients import NODE_DIR, BffServe

SLOW = 1.0  # seconds the reviews subgraph takes for Course.alsoReviewed here


@pytest.fixture(autouse=True)
def slow_field(monkeypatch: pytest.MonkeyPatch) -> None:
    # The example services run in this process: reviews reads this when it resolves alsoReviewed.
    monkeypatch.setenv("BFF_EXAMPLE_SLOW_SECONDS", str(SLOW))


def _meros(url: str, query: str, variables: dict | None = None, accept: str | None = None) -> list[dict[str, Any]]:
    spec = {"url": url, "query": query, "variables": variables or {}, **({"accept": accept} if accept else {})}
    proc = subprocess.run(["node", "realtime/defer-client.mjs", json.dumps(spec)], cwd=NODE_DIR, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


QUERY = """query Course($id: ID!) {
  course(id: $id) {
    title
    ... @defer(label: "also") { alsoReviewed(limit: 2) { id title } }
  }
}"""


def test_first_payload_before_the_slow_subgraph_deferred_after(bff_serve: BffServe) -> None:
    head, first, second = _meros(bff_serve.url, QUERY, {"id": "c1"})
    assert head == {"status": 200, "contentType": 'multipart/mixed; boundary="-"; deferSpec=20220824'}
    assert first["part"] == {"data": {"course": {"title": "Introduction to GraphQL"}}, "hasNext": True}
    assert first["ms"] < SLOW * 1000 * 0.8, first
    assert second["ms"] >= SLOW * 1000, second
    [item] = second["part"]["incremental"]
    assert second["part"]["hasNext"] is False
    assert item["path"] == ["course"] and item["label"] == "also"
    also = item["data"]["alsoReviewed"]
    assert len(also) == 2 and all(set(c) == {"id", "title"} and c["title"] for c in also)  # titles from courses


def test_deferred_fragment_on_list_items_and_named_fragment(bff_serve: BffServe) -> None:
    query = """{ courses { id ...Rating @defer(label: "rating") } latestReviews(limit: 1) { id } }
                fragment Rating on Course { averageRating }"""
    head, first, *rest = _meros(bff_serve.url, query)
    courses = first["part"]["data"]["courses"]
    assert first["part"]["hasNext"] is True and all(set(c) == {"id"} for c in courses)
    assert first["part"]["data"]["latestReviews"][0]["id"]
    items = [item for part in rest for item in part["part"].get("incremental", [])]
    assert rest[-1]["part"]["hasNext"] is False
    assert sorted(item["path"][1] for item in items) == list(range(len(courses)))
    full = httpx.post(bff_serve.url, json={"query": query}, timeout=30).json()["data"]["courses"]
    for item in items:
        assert item["label"] == "rating" and item["path"][0] == "courses"
        assert item["data"] == {"averageRating": full[item["path"][1]]["averageRating"]}


def test_client_without_multipart_gets_one_complete_response(bff_serve: BffServe) -> None:
    head, only = _meros(bff_serve.url, QUERY, {"id": "c1"}, accept="application/graphql-response+json")
    assert head["contentType"].startswith("application/graphql-response+json")
    course = only["json"]["data"]["course"]
    assert course["title"] == "Introduction to GraphQL" and len(course["alsoReviewed"]) == 2
    assert only["ms"] >= SLOW * 1000


def test_defer_with_if_false_and_errors(bff_serve: BffServe) -> None:
    query = 'query($d: Boolean!) { course(id: "c2") { title ... @defer(if: $d) { description } } }'
    head, only = _meros(bff_serve.url, query, {"d": False})  # nothing to defer: one JSON response
    assert only["json"]["data"]["course"]["description"]
    bad = _meros(bff_serve.url, '{ course(id: "c2") { ... @defer { nope } } }')
    assert bad[1]["json"]["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
