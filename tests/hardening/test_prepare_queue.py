"""The preparing thread's queue is bounded, through real HTTP: `bff serve` (a child process, settings
from bff.yaml) in front of the catalog subgraph. Documents that take about half a second each to
validate fill the queue; the next one is refused (after a one-second pause) with 503 SERVER_BUSY and Retry-After, while
/health and a cached document still answer 200. A client that leaves while its document waits has it
dropped from the queue unprepared."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from .attack_load import _Child

GRAPHQL = "application/graphql-response+json"
SMALL = "{ node { name } }"
CACHED_BIG = "{ node { name } } # " + "x" * 300  # prepared in the thread the first time, then cached


def slow(n: int | str) -> str:
    """A valid document whose validation takes about 0.5 s (300 overlapping `child` selections compared
    pairwise): the validation-cost limits are switched off in this test's bff.yaml."""
    return "{ node { " + "child { child { name } } " * 300 + "} } # " + str(n)


@pytest.fixture
def gateway(supergraph: str, tmp_path: Path) -> Iterator[tuple[str, _Child]]:
    """`bff serve` with a queue of 2 and no wait deadline: (GraphQL URL, the child process)."""
    (tmp_path / "supergraph.graphql").write_text(supergraph)
    (tmp_path / "bff.yaml").write_text(
        "supergraph:\n  file: supergraph.graphql\n"
        "limits:\n  max_selections: null\n  max_fields: null\n  max_field_pairs: null\n"
        "  prepare_queue: 2\n  prepare_wait: null\n"
        "telemetry:\n  logs:\n    level: info\n")
    serve = _Child("-m", "gateway", "serve", "--config", str(tmp_path / "bff.yaml"), "--port", "0")
    try:
        url = serve.read_until(r"GraphQL endpoint at (http://\S+/graphql)").group(1)
        yield url, serve
    finally:
        serve.stop()


def _code(response: httpx.Response) -> str | None:
    errors = response.json().get("errors")
    return errors[0]["extensions"]["code"] if errors else None


def _log_lines(serve: _Child, pattern: str, timeout: float = 5.0) -> list[dict[str, Any]]:
    """The request-log lines (JSON) matching `pattern`, once at least one has been written."""
    serve.read_until(pattern, timeout)
    return [json.loads(line) for line in serve.output.splitlines() if line.startswith("{") and re.search(pattern, line)]


async def _timed(client: httpx.AsyncClient, url: str, query: str) -> tuple[float, httpx.Response]:
    start = time.monotonic()
    response = await client.post(url, json={"query": query})
    return time.monotonic() - start, response


async def test_a_full_queue_refuses_after_a_pause_while_health_and_cached_documents_answer(gateway):
    url, serve = gateway
    health = url.rsplit("/", 1)[0] + "/health"
    async with httpx.AsyncClient(timeout=60.0, headers={"accept": GRAPHQL}) as client:
        for query in (SMALL, CACHED_BIG, CACHED_BIG):  # a big document is cached from its second use
            assert (await client.post(url, json={"query": query})).json() == {"data": {"node": {"name": "n"}}}

        flood = [asyncio.ensure_future(_timed(client, url, slow(i))) for i in range(7)]
        await asyncio.sleep(0.2)  # one document is being prepared, two wait, the rest were refused
        during = [await client.get(health), await client.post(url, json={"query": CACHED_BIG}),
                  await client.post(url, json={"query": SMALL})]
        results = await asyncio.gather(*flood)

        assert [r.status_code for r in during] == [200, 200, 200]
        assert during[1].json() == during[2].json() == {"data": {"node": {"name": "n"}}}
        accepted = [(t, r) for t, r in results if r.status_code == 200]
        refused = [(t, r) for t, r in results if r.status_code == 503]
        assert len(accepted) + len(refused) == 7, [r.text[:200] for _, r in results]
        assert 1 <= len(accepted) <= 3 and len(refused) >= 4, [r.status_code for _, r in results]
        for _, r in accepted:
            assert r.json()["data"]["node"]["child"]["child"] == {"name": "n"}
        for _, r in refused:
            assert r.headers["content-type"].startswith(GRAPHQL)
            assert int(r.headers["retry-after"]) >= 1
            body = r.json()
            assert "data" not in body and _code(r) == "SERVER_BUSY", body
        print(f"refused {len(refused)} in max {max(t for t, _ in refused) * 1000:.1f} ms; accepted "
              f"{len(accepted)} in {', '.join(f'{t * 1000:.0f}' for t, _ in accepted)} ms")
        assert min(t for t, _ in refused) >= 0.9, results  # answered after the pause, not at once

        # After the burst, the queue takes documents again.
        again = await client.post(url, json={"query": slow("after")})
        assert again.status_code == 200 and "errors" not in again.json()

    lines = _log_lines(serve, r'"SERVER_BUSY"')
    assert len(lines) == len(refused)  # each refusal is in the request log
    assert all(line["errors"] == {"SERVER_BUSY": 1} for line in lines)
    serve.read_until(r"the prepare queue has room again: \d+ requests were refused")
    assert len(re.findall(r"refusing big new documents with 503 SERVER_BUSY", serve.output)) == 1  # once a burst


async def test_a_document_whose_client_left_while_queued_is_dropped_unprepared(gateway):
    url, serve = gateway
    host, port = re.match(r"http://([^:/]+):(\d+)/", url).groups()  # type: ignore[union-attr]
    left = slow("left")
    async with httpx.AsyncClient(timeout=60.0, headers={"accept": GRAPHQL}) as client:
        first = asyncio.ensure_future(client.post(url, json={"query": slow("first")}))
        await asyncio.sleep(0.1)  # the first document is being prepared
        reader, writer = await asyncio.open_connection(host, int(port))
        body = json.dumps({"query": left}).encode()
        writer.write(b"POST /graphql HTTP/1.1\r\nhost: bff\r\ncontent-type: application/json\r\n"
                     b"accept: " + GRAPHQL.encode() + b"\r\ncontent-length: " + str(len(body)).encode()
                     + b"\r\n\r\n" + body)
        await writer.drain()
        await asyncio.sleep(0.1)  # queued behind the first
        writer.close()  # the client gives up
        await writer.wait_closed()
        assert (await first).status_code == 200

    # Prepared, it would have run and been logged without errors; dropped, it is logged as such.
    digest = hashlib.sha256(left.encode()).hexdigest()
    lines = _log_lines(serve, digest)
    assert [line["errors"] for line in lines] == [{"CLIENT_DISCONNECTED": 1}], lines
