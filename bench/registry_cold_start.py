"""Cold start of a gateway that loads its graph from the registry in DynamoDB Local.

    python bench/registry_cold_start.py [--services 5 50] [--runs 3] [--endpoint http://127.0.0.1:8000]

For each size: publishes N synthetic subgraphs (each its own root field and type,
all extending a shared `User` entity) through the registry, then times
`bff serve --registry dynamodb://...` from process start to the first answered
query, several times, and prints the median with a breakdown measured in-process
(supergraph read, Gateway build). Without --endpoint it starts DynamoDB Local
from tests/dynamodb (Java 17 and `npm ci` there needed).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n'


def synthetic_sdl(i: int) -> str:
    return LINK + f'''
type Query {{ s{i}Items(first: Int = 10): [S{i}Item!]! }}
type S{i}Item {{ id: ID! label: String rank: Int owner: User }}
type User @key(fields: "id") {{ id: ID! s{i}Count: Int }}
'''


class _Stub(BaseHTTPRequestHandler):
    """Every synthetic subgraph's URL points here; it answers the benchmark's one query."""

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("content-length", 0)))
        body = b'{"data":{"s0Items":[{"id":"1","label":"one"}]}}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def seed(url: str, count: int, subgraph_url: str) -> float:
    """Publish `count` services; returns the seconds it took."""
    from discovery.client import open_registry
    from discovery.registry import PublishRequest

    registry = open_registry(url)
    started = time.perf_counter()
    for i in range(count):
        outcome = registry.publish(PublishRequest(f"s{i}", subgraph_url, synthetic_sdl(i), "bench"))
        if not outcome.ok:
            raise SystemExit(f"publishing s{i} failed: {outcome.problems}")
    return time.perf_counter() - started


def cold_start(url: str) -> float:
    """Seconds from `bff serve` process start to the first answered query."""
    import httpx

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "gateway", "serve", "--registry", url, "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        line = proc.stdout.readline()
        if "GraphQL endpoint at " not in line:
            raise SystemExit(f"bff serve did not start: {line}{proc.stderr.read()}")
        endpoint = line.split("GraphQL endpoint at ")[1].strip()
        while True:
            try:
                r = httpx.post(endpoint, json={"query": "{ s0Items { id label } }"}, timeout=5)
                if r.status_code == 200 and r.json().get("data"):
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.002)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def breakdown(url: str) -> dict[str, float]:
    """In-process: one read of the stored supergraph, then building the Gateway from it."""
    out: dict[str, float] = {}
    t = time.perf_counter()
    from discovery.store import open_store

    store = open_store(url)
    out["open store"] = time.perf_counter() - t
    t = time.perf_counter()
    stored = store.supergraph()
    out["read supergraph"] = time.perf_counter() - t
    t = time.perf_counter()
    store.current_version()
    out["version check"] = time.perf_counter() - t
    t = time.perf_counter()
    from gateway.gateway import Gateway

    Gateway(stored.sdl)
    out["build Gateway"] = time.perf_counter() - t
    out["supergraph KB"] = len(stored.sdl) / 1024
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, nargs="+", default=[5, 50])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--endpoint", help="a running DynamoDB Local (default: start one)")
    args = parser.parse_args(argv)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    proc = None
    endpoint = args.endpoint
    if endpoint is None:
        sys.path.insert(0, str(ROOT))
        from tests.support.dynamodb_local import start

        proc, endpoint = start()
    stub = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    subgraph_url = f"http://127.0.0.1:{stub.server_address[1]}/graphql"
    results = []
    try:
        for count in args.services:
            url = f"dynamodb://bench{count}x{int(time.time())}?endpoint={endpoint}&region=us-east-1"
            from discovery.store.dynamodb import DynamoDBStore

            DynamoDBStore.from_url(url + "&create=1").close()
            seeded = seed(url, count, subgraph_url)
            times = [cold_start(url) for _ in range(args.runs)]
            parts = breakdown(url)
            results.append({"services": count, "publish_all_s": round(seeded, 2),
                            "cold_start_ms": [round(t * 1000) for t in times],
                            "median_ms": round(statistics.median(times) * 1000),
                            "breakdown_ms": {k: round(v * 1000, 1) if "KB" not in k else round(v, 1)
                                             for k, v in parts.items()}})
            print(json.dumps(results[-1]), flush=True)
    finally:
        stub.shutdown()
        if proc is not None:
            from tests.support.dynamodb_local import stop

            stop(proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
