"""`bff serve --workers 2`: both workers answer, a killed worker is replaced and logged, SIGTERM under
load lets every in-flight request finish."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from .conftest import BFF_URL, COUNTER, bff_argv, clean_env, running

QUERY = '{ course(id: "c1") { title } }'


def _config(tmp_path, supergraph_file, workers: int = 2) -> str:
    path = tmp_path / "bff.yaml"
    path.write_text(f"supergraph:\n  file: {supergraph_file}\nserver:\n  workers: {workers}\n"
                    "  worker_header: true\n  shutdown_timeout: 20\n")
    return str(path)


def _pids_answering(base: str, want: int, tries: int = 400) -> set[str]:
    """Worker pids seen over fresh connections (each request its own connection, so the kernel spreads them)."""
    seen: set[str] = set()
    for _ in range(tries):
        response = httpx.post(f"{base}/graphql", json={"query": QUERY}, headers={"connection": "close"})
        assert response.status_code == 200, response.text
        assert response.json() == {"data": {"course": {"title": "Course c1"}}}
        seen.add(response.headers["x-bff-worker"])
        if len(seen) >= want:
            break
    return seen


def test_two_workers_both_answer_on_one_port(tmp_path, supergraph_file):
    argv = bff_argv("--config", _config(tmp_path, supergraph_file))
    with running(argv, clean_env(), BFF_URL) as (base, process):
        process.wait_for(r"(?s)(Application startup complete.*){2}")  # both built their gateway
        pids = _pids_answering(base, 2)
        assert len(pids) == 2, pids
        assert str(process.proc.pid) not in pids  # the parent only supervises


def test_the_flag_and_the_environment_set_the_worker_count(tmp_path, supergraph_file):
    with running(bff_argv("--supergraph", str(supergraph_file), "--workers", "2"), clean_env(), BFF_URL) as (_, p):
        p.wait_for(r"(?s)(Started server process \[\d+\].*){2}")
    with running(bff_argv("--supergraph", str(supergraph_file)), clean_env(BFF_WORKERS="2"), BFF_URL) as (_, p):
        p.wait_for(r"(?s)(Started server process \[\d+\].*){2}")


def test_a_killed_worker_is_replaced_and_logged(tmp_path, supergraph_file):
    argv = bff_argv("--config", _config(tmp_path, supergraph_file))
    with running(argv, clean_env(), BFF_URL) as (base, process):
        process.wait_for(r"(?s)(Application startup complete.*){2}")
        before = _pids_answering(base, 2)
        victim = sorted(before)[0]
        os.kill(int(victim), signal.SIGKILL)
        process.wait_for(rf"Child process \[{victim}\] died", timeout=30)
        deadline = time.monotonic() + 60
        after: set[str] = set()
        while time.monotonic() < deadline and len(after - before) < 1:
            after |= _pids_answering(base, 2, tries=50)
        assert victim not in after and len(after - before) == 1, (before, after)


def test_sigterm_under_load_lets_every_in_flight_request_finish(tmp_path, supergraph_file):
    argv = bff_argv("--config", _config(tmp_path, supergraph_file))
    with running(argv, clean_env(), BFF_URL) as (base, process):
        process.wait_for(r"(?s)(Application startup complete.*){2}")
        started = COUNTER.started
        n = 24

        def slow(i: int) -> httpx.Response:
            # 1.5 s in the subgraph: still running when SIGTERM arrives
            return httpx.post(f"{base}/graphql", json={"query": "{ slow(ms: 1500) }"}, timeout=30,
                              headers={"connection": "close"})

        with ThreadPoolExecutor(n) as pool:
            futures = [pool.submit(slow, i) for i in range(n)]
            deadline = time.monotonic() + 20
            while COUNTER.started - started < n and time.monotonic() < deadline:
                time.sleep(0.01)
            assert COUNTER.started - started == n, "the requests did not all reach the subgraph"
            process.proc.send_signal(signal.SIGTERM)
            responses = [f.result() for f in futures]
        assert [r.status_code for r in responses] == [200] * n
        assert all(r.json() == {"data": {"slow": 1500}} for r in responses)
        assert len({r.headers["x-bff-worker"] for r in responses}) == 2  # the load was on both workers
        assert process.proc.wait(30) == 0
        assert "Waiting for application shutdown" in process.output or "Application shutdown complete" in process.output
        assert "Traceback" not in process.output


def test_a_worker_that_cannot_start_stops_them_all_with_one_error_line(tmp_path):
    from .conftest import Process

    missing = tmp_path / "nowhere.graphql"
    process = Process(bff_argv("--supergraph", str(missing), "--workers", "2"), clean_env())
    assert process.proc.wait(60) == 2
    process._reader.join(2)
    out = process.output
    assert f"cannot read supergraph '{missing}'" in out
    assert "bff serve: error: a worker could not start" in out
    assert "Traceback" not in out


def test_every_worker_follows_the_registry(tmp_path):
    from discovery.client import open_registry
    from discovery.registry import PublishRequest
    from tests.discovery.plain_subgraph import plain_subgraph
    from tests.support.asgi_server import serve_in_thread

    hello, world = "type Query { hello: String }", "type Query { world: String }"
    url = f"sqlite:///{tmp_path}/registry.db"
    registry = open_registry(url, create=True)
    with serve_in_thread(plain_subgraph(hello, {"hello": "hi"}), health_path=None) as a, \
            serve_in_thread(plain_subgraph(world, {"world": "earth"}), health_path=None) as b:
        assert registry.publish(PublishRequest("a", a.graphql_url, hello, "test")).ok
        config = tmp_path / "bff.yaml"
        config.write_text(f"supergraph:\n  registry: {url}\n  poll_interval: 0.5\n"
                          "server:\n  workers: 2\n  worker_header: true\n")
        with running(bff_argv("--config", str(config)), clean_env(), BFF_URL) as (base, process):
            process.wait_for(r"(?s)(Application startup complete.*){2}")
            assert registry.publish(PublishRequest("b", b.graphql_url, world, "test")).ok
            seen: set[str] = set()
            deadline = time.monotonic() + 30
            while len(seen) < 2 and time.monotonic() < deadline:
                response = httpx.post(f"{base}/graphql", json={"query": "{ hello world }"},
                                      headers={"connection": "close"})
                if response.json() == {"data": {"hello": "hi", "world": "earth"}}:
                    seen.add(response.headers["x-bff-worker"])
            assert len(seen) == 2, "both workers serve version 2"


def test_each_worker_flushes_its_usage_counts_when_it_stops(tmp_path, supergraph_file):
    from discovery.store import open_store

    usage = f"sqlite:///{tmp_path}/usage.db?create=1"
    config = tmp_path / "bff.yaml"
    config.write_text(f"supergraph:\n  file: {supergraph_file}\nserver:\n  workers: 2\n  worker_header: true\n"
                      f"telemetry:\n  usage:\n    store: {usage}\n    flush_seconds: 3600\n")
    with running(bff_argv("--config", str(config)), clean_env(), BFF_URL) as (base, process):
        process.wait_for(r"(?s)(Application startup complete.*){2}")
        pids: dict[str, int] = {}
        for _ in range(400):
            response = httpx.post(f"{base}/graphql", json={"query": QUERY}, headers={
                "connection": "close", "apollographql-client-name": "web", "apollographql-client-version": "1"})
            assert response.status_code == 200
            worker = response.headers["x-bff-worker"]
            pids[worker] = pids.get(worker, 0) + 1
            if len(pids) == 2 and sum(pids.values()) >= 20:
                break
        assert len(pids) == 2
        sent = sum(pids.values())
        assert process.stop() == 0  # SIGTERM: each worker flushes before it exits
    rows = open_store(usage).usage("2000-01-01")
    counts = {r.coordinate: r.count for r in rows if r.client == "web"}
    assert counts.get("Query.course") == sent and counts.get("Course.title") == sent, (counts, pids)


def test_workers_cut_off_slow_headers_as_a_single_process_does(tmp_path, supergraph_file):
    import socket

    from tests.hardening.test_read_timeouts import closed_by_server

    config = tmp_path / "bff.yaml"
    config.write_text(f"supergraph:\n  file: {supergraph_file}\nserver:\n  workers: 2\n  header_timeout: 0.8\n")
    with running(bff_argv("--config", str(config)), clean_env(), BFF_URL) as (base, process):
        process.wait_for(r"(?s)(Application startup complete.*){2}")
        port = int(base.rsplit(":", 1)[1])
        trickling = [socket.create_connection(("127.0.0.1", port)) for _ in range(6)]
        for conn in trickling:
            conn.sendall(b"POST /graphql HTTP/1.1\r\nHost: x\r\n")
        waited = [closed_by_server(conn, 5.0) for conn in trickling]
        for conn in trickling:
            conn.close()
        assert all(w is not None and w < 3.0 for w in waited), waited
