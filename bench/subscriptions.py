"""Load: many concurrent subscriptions on one `bff serve` process, each receiving one event per second.

    .venv/bin/python bench/subscriptions.py [--subscriptions 1000] [--per-connection 1] [--seconds 30]
        [--synchronized] [--baseline main]

Three processes, as in production: the subgraphs (`ticks`, whose `ticks(intervalMs: 1000)` emits one event per
second per subscription (their phases spread over the second unless --synchronized), stamped with the time it
was emitted, and `words`, which adds `Tick.word` through
`_entities`, so every event costs the gateway one `_entities` fetch), `bff serve`, and this client (graphql-transport-ws
over the `websockets` library). Reported: delivery latency (client receipt minus subgraph emission) p50 / p99 / max
over the measured window, events delivered against expected, the gateway's RSS and CPU, the WebSockets it
opened to `ticks` and the `_entities` calls per second `words` received (both counted by the subgraphs
themselves: tests/realtime/subgraphs.py Counting), and the load average. With `--baseline REF` the same
measurement runs first with the gateway of git REF (exported to a temporary directory), then with this
tree's, over fresh subgraphs each time (the baseline with this tree's gateway/http/read_timeouts.py, the fix
without which `bff serve` closed every WebSocket 10 s after it opened).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SUBGRAPHS = r'''
import sys, uvicorn, socket
sys.path.insert(0, {root!r})
from services.toolkit.app import asgi_app
from tests.realtime.subgraphs import Counting, ticks_schema, words_schema
app = Counting(asgi_app(ticks_schema() if sys.argv[1] == "ticks" else words_schema()))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", ws_max_queue=1000)
'''


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def connection(url: str, count: int, latencies: list[float], window: list[float], ready: list[int],
                     spread: bool, fields: str) -> None:
    from websockets.asyncio.client import connect

    async with connect(url, subprotocols=["graphql-transport-ws"], max_size=None,  # type: ignore[list-item]
                       open_timeout=60, ping_interval=None) as ws:
        await ws.send('{"type":"connection_init"}')
        await ws.recv()
        for i in range(count):
            offset = random.randrange(1000) if spread else 0
            await ws.send(json.dumps({"id": str(i), "type": "subscribe", "payload": {
                "query": f"subscription {{ ticks(intervalMs: 1000, offsetMs: {offset}) {{ {fields} }} }}"}}))
        ready[0] += count
        async for raw in ws:
            now = time.time()
            message = json.loads(raw)
            if message["type"] == "ping":
                await ws.send('{"type":"pong"}')
            elif message["type"] == "next":
                tick = message["payload"]["data"]["ticks"]
                assert "word" not in fields or tick["word"] == f"word {tick['n']}", message
                if window[0] <= now <= window[1]:
                    latencies.append(now - tick["at"])
            elif message["type"] in ("error", "complete"):
                raise RuntimeError(f"subscription ended: {message}")


def counts(port: int) -> dict[str, int]:
    """What a subgraph counted (its WebSockets, its POSTs); -1 each when it is too busy to say."""
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/counts", timeout=60) as response:
            found: dict[str, int] = json.loads(response.read())
            return found
    except OSError:
        return {"sockets": -1, "open": -1, "posts": -1}


async def main(args: argparse.Namespace) -> int:
    results = []
    if args.baseline:
        import tarfile
        import tempfile

        base = Path(tempfile.mkdtemp(prefix="bff-baseline-"))
        archive = subprocess.run(["git", "archive", args.baseline], cwd=ROOT, check=True, capture_output=True).stdout
        import io

        tarfile.open(fileobj=io.BytesIO(archive)).extractall(base)
        # Before this fix, bff serve closed every WebSocket 10 s after it opened: the baseline gets it too.
        fix = "gateway/http/read_timeouts.py"
        (base / fix).write_text((ROOT / fix).read_text())
        commit = subprocess.run(["git", "rev-parse", "--short", args.baseline], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout.strip()
        results.append(await measure(args, base, f"{args.baseline} ({commit})"))
        await asyncio.sleep(3)
    results.append(await measure(args, ROOT, "this tree"))
    print(json.dumps(results, indent=2))
    return 0


async def measure(args: argparse.Namespace, gateway_root: Path, label: str) -> dict:
    from discovery.compose import SubgraphInput, compose_supergraph
    from tests.realtime.subgraphs import ticks_schema, words_schema

    procs: list[subprocess.Popen] = []
    try:
        ports = {"ticks": free_port(), "words": free_port()}
        for name, port in ports.items():
            procs.append(subprocess.Popen([sys.executable, "-c", SUBGRAPHS.format(root=str(ROOT)), name, str(port)],
                                          start_new_session=True))
        inputs = [SubgraphInput(name, f"http://127.0.0.1:{ports[name]}/graphql",
                                schema.execute_sync("{ _service { sdl } }").data["_service"]["sdl"], ())
                  for name, schema in (("ticks", ticks_schema()), ("words", words_schema()))]
        supergraph = Path(f"/tmp/bff-subscriptions-{os.getpid()}.graphql")
        supergraph.write_text(compose_supergraph(inputs).supergraph)
        gateway = subprocess.Popen([sys.executable, "-m", "gateway", "serve", "--supergraph", str(supergraph),
                                    "--port", "0"], cwd=gateway_root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, start_new_session=True,
                                   env={**os.environ, "PYTHONPATH": str(gateway_root)})
        procs.append(gateway)
        url = None
        while url is None:
            line = gateway.stdout.readline()  # type: ignore[union-attr]
            if not line:
                raise RuntimeError("bff serve did not start")
            if found := re.search(r"http://(\S+)/graphql", line):
                url = f"ws://{found.group(1)}/graphql"
        # Keep reading its log (uvicorn logs every WebSocket): a full pipe would block the gateway.
        import threading

        log: list[str] = []  # its last lines, printed when it dies
        threading.Thread(target=lambda: [log.append(line) for line in gateway.stdout],  # type: ignore[union-attr]
                         daemon=True).start()
        await asyncio.sleep(1.0)  # the subgraphs finish starting
        fields = "n at" if args.no_entities else "n at word"
        latencies: list[float] = []
        window = [float("inf"), float("inf")]
        ready = [0]
        connections = args.subscriptions // args.per_connection
        start = time.time()
        tasks = []
        for i in range(connections):  # opened 50 at a time, as clients arrive, not in one burst
            tasks.append(asyncio.ensure_future(connection(url, args.per_connection, latencies, window, ready,
                                                          not args.synchronized, fields)))
            if i % 50 == 49:
                while ready[0] < len(tasks) * args.per_connection and not any(t.done() for t in tasks):
                    await asyncio.sleep(0.02)
        while ready[0] < args.subscriptions:
            await asyncio.sleep(0.1)
            failed = [t for t in tasks if t.done()]
            if failed:
                failed[0].result()
        print(f"{ready[0]} subscriptions open after {time.time() - start:.1f}s; warming up 5s", flush=True)
        await asyncio.sleep(5)
        pids = {"gateway": gateway.pid, "ticks": procs[0].pid, "words": procs[1].pid}
        counts0 = {name: counts(port) for name, port in ports.items()}
        cpu0, t0 = {k: cpu_seconds(p) for k, p in pids.items()}, time.time()
        window[:] = [t0, t0 + args.seconds]
        rss = []
        while time.time() < window[1]:
            await asyncio.sleep(1)
            rss.append(rss_mb(gateway.pid))
            failed = [t for t in tasks if t.done()]
            if failed:
                print("".join(log[-30:]), "gateway exit code:", gateway.poll(), file=sys.stderr)
                failed[0].result()
        elapsed = time.time() - t0
        counts1 = {name: counts(port) for name, port in ports.items()}
        load = os.getloadavg()[0]
        cpu = {k: round((cpu_seconds(p) - cpu0[k]) / elapsed, 2) for k, p in pids.items()}
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        latencies.sort()

        def q(p: float) -> float:
            if not latencies:
                return float("nan")
            return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

        expected = args.subscriptions * args.seconds
        result = {
            "gateway": label, "subscriptions": args.subscriptions, "connections": connections, "seconds": args.seconds,
            "synchronized": args.synchronized, "fields": fields,
            "events": len(latencies), "expected_events": expected,
            "latency_ms": {"p50": round(q(0.50), 1), "p90": round(q(0.90), 1), "p99": round(q(0.99), 1),
                           "max": round(q(1.0), 1)},
            "gateway_rss_mb": {"max": round(max(rss), 1), "last": round(rss[-1], 1)},
            "cpu_cores": cpu,
            "upstream_sockets_open": counts1["ticks"]["open"],
            "upstream_sockets_opened": counts1["ticks"]["sockets"],
            "entities_calls_per_second": round((counts1["words"]["posts"] - counts0["words"]["posts"]) / elapsed, 1),
            "load_average": round(load, 2),
        }
        print(json.dumps(result), flush=True)
        return result
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=1000)
    parser.add_argument("--per-connection", type=int, default=1, help="subscriptions per WebSocket connection")
    parser.add_argument("--seconds", type=int, default=30, help="measured window")
    parser.add_argument("--no-entities", action="store_true", help="select only the ticks subgraph's fields")
    parser.add_argument("--synchronized", action="store_true",
                        help="every subscription ticks at the same moment (default: spread over the second)")
    parser.add_argument("--baseline", metavar="REF",
                        help="measure the gateway of this git ref first (e.g. main), then this tree's")
    sys.exit(asyncio.run(main(parser.parse_args())))
