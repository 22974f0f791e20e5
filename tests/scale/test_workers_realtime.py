"""`bff serve --workers 2` stopping with open subscriptions: on SIGTERM each worker ends its streams cleanly
(graphql-ws clients see close 1001, graphql-sse clients and raw SSE streams get `complete`) and exits long
before the grace period, with the subgraph streams behind them closed. Real clients: npm graphql-ws and
graphql-sse (tests/node/realtime), httpx for the SSE responses' worker header."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.realtime.clients import node_client
from tests.support.asgi_server import serve_in_thread

from .conftest import BFF_URL, ROOT, Process, bff_argv, clean_env, wait_healthy

FOREVER = "subscription { ticks(intervalMs: 50) { n label } }"
GRACE = 20  # server.shutdown_timeout: stopping must take far less than this


@pytest.fixture(scope="module")
def tick_supergraph_file(tmp_path_factory) -> Iterator[Path]:
    import shutil

    if not shutil.which("node") or not (ROOT / "tests/node/node_modules/graphql-ws").is_dir():
        from tests.support.requires import missing

        missing("node and tests/node/node_modules (graphql-ws, graphql-sse) are needed; run scripts/test")
    from discovery.compose import SubgraphInput, compose_supergraph
    from services.toolkit.app import asgi_app
    from tests.realtime.subgraphs import ticks_schema, words_schema

    with serve_in_thread(asgi_app(ticks_schema())) as ticks, serve_in_thread(asgi_app(words_schema())) as words:
        inputs = [SubgraphInput(name, server.graphql_url,
                                schema.execute_sync("{ _service { sdl } }").data["_service"]["sdl"], ())
                  for name, server, schema in (("ticks", ticks, ticks_schema()), ("words", words, words_schema()))]
        result = compose_supergraph(inputs)
        assert not result.errors, result.errors
        path = tmp_path_factory.mktemp("ticks") / "supergraph.graphql"
        path.write_text(result.supergraph)
        yield path


async def _sse_stream(stack: ExitStack, base: str) -> tuple[str, object]:
    """An SSE subscription over its own connection: (the answering worker's pid, its text chunks)."""
    client = httpx.AsyncClient(timeout=30)
    response = await client.send(client.build_request(
        "POST", f"{base}/graphql", json={"query": FOREVER},
        headers={"accept": "text/event-stream", "connection": "close"}), stream=True)
    assert response.status_code == 200
    chunks = response.aiter_text()
    assert "event: next" in await chunks.__anext__()
    return response.headers["x-bff-worker"], (client, response, chunks)


async def test_sigterm_ends_subscriptions_on_every_worker_and_exits_in_time(tmp_path, tick_supergraph_file):
    from tests.realtime import subgraphs

    config = tmp_path / "bff.yaml"
    config.write_text(f"supergraph:\n  file: {tick_supergraph_file}\nserver:\n  workers: 2\n"
                      f"  worker_header: true\n  shutdown_timeout: {GRACE}\n")
    process = Process(bff_argv("--config", str(config)), clean_env())
    try:
        base = process.wait_for(BFF_URL).group(1)
        wait_healthy(base)
        process.wait_for(r"(?s)(Application startup complete.*){2}")
        with ExitStack() as stack:
            # Raw SSE streams until both workers hold at least one (the kernel spreads connections).
            streams: list[tuple[str, object]] = []
            while len({pid for pid, _ in streams}) < 2:
                assert len(streams) < 40, f"all SSE streams went to one worker: {streams}"
                streams.append(await _sse_stream(stack, base))
            ws_url = "ws://" + base[len("http://"):] + "/graphql"
            ws = [stack.enter_context(node_client("ws-client.mjs", {"url": ws_url, "subscriptions": [
                {"query": FOREVER}]})) for _ in range(4)]
            sse = [stack.enter_context(node_client("sse-client.mjs", {"url": f"{base}/graphql", "subscriptions": [
                {"query": FOREVER}]})) for _ in range(4)]
            for client in ws + sse:
                client.wait_for(lambda e: e.get("event") == "next", timeout=20)
            # Identical subscriptions share a subgraph stream within a worker (docs/realtime.md): at least
            # one per worker, since both hold some.
            assert 2 <= subgraphs.ACTIVE["ticks"] <= len(streams) + 8

            started = time.monotonic()
            process.proc.terminate()  # SIGTERM to the supervisor, as ECS / Kubernetes / systemd send it

            for client in ws:  # graphql-ws: the socket closed with 1001 Going Away
                closed = client.wait_for(lambda e: e.get("event") == "closed", timeout=15)
                assert closed["code"] == 1001, client.seen
            for client in sse:  # graphql-sse: the stream completed
                client.wait_for(lambda e: e.get("sub") == 0 and e.get("event") == "complete", timeout=15)
                assert not [e for e in client.seen if e.get("event") == "error"], client.seen
            for _, (client, response, chunks) in streams:
                rest = "".join([chunk async for chunk in chunks])  # type: ignore[attr-defined]
                assert rest.rstrip().endswith("event: complete\ndata:"), rest[-200:]
                await response.aclose()  # type: ignore[attr-defined]
                await client.aclose()  # type: ignore[attr-defined]
            code = await asyncio.to_thread(process.proc.wait, GRACE)
            took = time.monotonic() - started
        assert code == 0, process.output
        assert took < GRACE / 2, f"stopping took {took:.1f}s of the {GRACE}s grace period"
        assert "Traceback" not in process.output, process.output
        assert process.output.count("Application shutdown complete") == 2, process.output
        deadline = time.monotonic() + 5
        while subgraphs.ACTIVE["ticks"] and time.monotonic() < deadline:  # the subgraph streams behind them
            await asyncio.sleep(0.05)
        assert subgraphs.ACTIVE["ticks"] == 0
    finally:
        process.stop()


def _pids(base: str, want: int, tries: int = 400) -> set[str]:
    seen: set[str] = set()
    for _ in range(tries):
        response = httpx.post(f"{base}/graphql", json={"query": "{ hello }"}, headers={"connection": "close"})
        assert response.status_code == 200 and response.json() == {"data": {"hello": "hello"}}, response.text
        seen.add(response.headers["x-bff-worker"])
        if len(seen) >= want:
            break
    return seen


def test_sighup_replaces_the_workers_one_by_one_with_the_file_read_again(tmp_path, tick_supergraph_file):
    """SIGHUP: each worker is replaced by a new one (ready before the old one stops), which reads bff.yaml
    again; the old ones end their subscriptions with 1001 on the way out; the port answers throughout."""
    import signal
    import threading

    config = tmp_path / "bff.yaml"
    base_yaml = (f"supergraph:\n  file: {tick_supergraph_file}\nserver:\n  workers: 2\n"
                 f"  worker_header: true\n  shutdown_timeout: {GRACE}\n")
    config.write_text(base_yaml)
    introspect = {"query": "{ __schema { queryType { name } } }"}
    process = Process(bff_argv("--config", str(config)), clean_env())
    try:
        base = process.wait_for(BFF_URL).group(1)
        wait_healthy(base)
        process.wait_for(r"(?s)(Application startup complete.*){2}")
        before = _pids(base, 2)
        assert httpx.post(f"{base}/graphql", json=introspect).json()["errors"][0]["extensions"]["code"] == \
            "INTROSPECTION_DISABLED"
        ws_url = "ws://" + base[len("http://"):] + "/graphql"
        with ExitStack() as stack:
            ws = [stack.enter_context(node_client("ws-client.mjs", {"url": ws_url, "subscriptions": [
                {"query": FOREVER}]})) for _ in range(3)]
            for client in ws:
                client.wait_for(lambda e: e.get("event") == "next", timeout=20)
            config.write_text(base_yaml + "security:\n  introspection: true\n")
            failures: list[str] = []
            answered = 0
            stop = threading.Event()

            def load() -> None:  # requests on fresh connections all through the restart
                nonlocal answered
                while not stop.is_set():
                    try:
                        r = httpx.post(f"{base}/graphql", json={"query": "{ hello }"}, headers={"connection": "close"})
                        if r.json() != {"data": {"hello": "hello"}}:
                            failures.append(r.text)
                        answered += 1
                    except httpx.HTTPError as exc:
                        failures.append(repr(exc))

            loader = threading.Thread(target=load, daemon=True)
            loader.start()
            process.proc.send_signal(signal.SIGHUP)
            for client in ws:
                closed = client.wait_for(lambda e: e.get("event") == "closed", timeout=60)
                assert closed["code"] == 1001, (client.seen[-2:], process.output[-3000:])
            process.wait_for(r"(?s)(Application shutdown complete.*){2}")
            stop.set()
            loader.join(10)
            assert not failures and answered > 10, (answered, failures[:3])
        after = _pids(base, 2)
        assert len(after) == 2 and not after & before, (before, after)
        answer = httpx.post(f"{base}/graphql", json=introspect, headers={"connection": "close"})
        assert answer.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
        assert process.proc.poll() is None
        assert "Traceback" not in process.output, process.output
    finally:
        process.stop()
