"""Micro-benchmark: requests/s and client CPU per request, native client vs httpx.

    /work/venv/bin/python tests/execute/bench_client.py [--seconds 5] [--tasks 16] [--uvloop]

Both clients go through HttpTransport.send (the gateway's real path: orjson
encode, POST, orjson decode). The subgraph is a minimal ASGI app under uvicorn
in a separate process, so the client's CPU is measured on its own; on a small
machine the server can be the bottleneck for requests/s, which is why the
client's CPU time per request is reported too. Not a test: pytest does not
collect it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BODY = b'{"data":{"product":{"id":"1","name":"Chair","price":{"amount":129.0,"currency":"EUR"}}}}'


async def app(scope, receive, send):
    """The subgraph: drains the request, answers a fixed GraphQL response."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]})
    await send({"type": "http.response.body", "body": BODY})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench_client:app", "--app-dir", str(HERE), "--port", str(port),
         "--log-level", "warning", "--no-access-log", "--loop", "uvloop", "--http", "httptools"],
        cwd=ROOT,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("uvicorn did not start")


async def run(client_name: str, url: str, seconds: float, tasks: int) -> tuple[float, float]:
    os.environ["BFF_HTTP_CLIENT"] = client_name
    from gateway.execute.transport import HttpTransport

    transport = HttpTransport(timeout=10, max_connections=100)
    body = {"query": 'query($id: ID!) { product(id: $id) { id name price { amount currency } } }', "variables": {"id": "1"}}
    count = 0
    stop = False

    async def worker() -> None:
        nonlocal count
        while not stop:
            await transport.send("products", url, body)
            count += 1

    async def phase(duration: float) -> tuple[int, float, float]:
        nonlocal count, stop
        count, stop = 0, False
        workers = [asyncio.ensure_future(worker()) for _ in range(tasks)]
        wall, cpu = time.perf_counter(), time.process_time()
        await asyncio.sleep(duration)
        stop = True
        await asyncio.gather(*workers)
        return count, time.perf_counter() - wall, time.process_time() - cpu

    await phase(1.0)  # warm up: connections, caches
    n, wall, cpu = await phase(seconds)
    await transport.aclose()
    return n / wall, cpu / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--tasks", type=int, default=16)
    parser.add_argument("--uvloop", action="store_true", help="run the client on uvloop instead of asyncio's loop")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    port = free_port()
    server = start_server(port)
    url = f"http://127.0.0.1:{port}/graphql"
    loop = "uvloop" if args.uvloop else "asyncio"
    try:
        print(f"{args.tasks} concurrent tasks, {args.seconds:g} s each, client loop: {loop}")
        for name in ("native", "httpx", "native", "httpx"):
            if args.uvloop:
                import uvloop

                rate, cpu_us = uvloop.run(run(name, url, args.seconds, args.tasks))
            else:
                rate, cpu_us = asyncio.run(run(name, url, args.seconds, args.tasks))
            print(f"  {name:7s} {rate:9.0f} req/s   {cpu_us:7.1f} µs client CPU per request")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
