"""Bounded soak: load against a gateway whose "beta" subgraph misbehaves, then RSS and stuck requests.

    /work/venv/bin/python tests/resilience/soak.py [SECONDS] [CONCURRENCY]

Two loopback subgraphs; beta cycles every second through ok, hang, 500, garbage,
cut (closes mid-response), refuse and 503. Requests go through the ASGI app
(httpx's ASGI transport) to `Gateway.execute`. A request counts as stuck when it
has not finished `STUCK_AFTER` seconds after it started (beta's deadline is
0.3 s, with 2 retries). Exit status 1 when any request was stuck.
"""

from __future__ import annotations

import asyncio
import collections
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import httpx  # noqa: E402
from subgraphs import FaultServer, supergraph  # noqa: E402

from gateway.config import GatewayConfig  # noqa: E402
from gateway.gateway import Gateway  # noqa: E402
from gateway.http.asgi import create_app  # noqa: E402

MODES = ("ok", "hang", "500", "garbage", "cut", "refuse", "503")
STUCK_AFTER = 10.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def soak(seconds: float, concurrency: int) -> int:
    async with FaultServer("alpha", record=False) as alpha, FaultServer("beta", record=False) as beta:
        config = GatewayConfig(subgraph_timeouts={"beta": 0.3}, retry_base_delay=0.01, retry_max_delay=0.05,
                               breaker_threshold=20, breaker_open_seconds=0.5)
        gateway = Gateway(supergraph(alpha.url, beta.url), config)
        app = create_app(gateway, config)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")
        outcomes: collections.Counter[str] = collections.Counter()
        stuck = 0
        latencies: list[float] = []

        async def one(i: int) -> None:
            nonlocal stuck
            started = time.monotonic()
            query = "mutation { touch }" if i % 10 == 0 else "{ a b }"
            try:
                response = await asyncio.wait_for(
                    client.post("/graphql", json={"query": query}, headers={"accept": "application/json"}),
                    STUCK_AFTER)
            except TimeoutError:
                stuck += 1
                return
            latencies.append(time.monotonic() - started)
            body = response.json()
            if body.get("errors"):
                outcomes[body["errors"][0]["message"].split('"beta" ')[-1]] += 1
            else:
                outcomes["ok"] += 1

        async def worker(w: int, deadline: float) -> None:
            i = w
            while time.monotonic() < deadline:
                await one(i)
                i += concurrency

        async def chaos(deadline: float) -> None:
            n = 0
            while time.monotonic() < deadline:
                beta.mode = MODES[n % len(MODES)]
                n += 1
                await asyncio.sleep(1.0)
            beta.mode = "ok"

        # warm-up, then measure
        await asyncio.gather(*(one(i) for i in range(50)))
        gc.collect()
        before = rss_mb()
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(chaos(deadline), *(worker(w, deadline) for w in range(concurrency)))
        elapsed = time.monotonic() - started
        beta.mode = "ok"
        await asyncio.sleep(0.6)  # let the breaker's open period pass
        healthy = (await client.post("/graphql", json={"query": "{ a b }"},
                                     headers={"accept": "application/json"})).json()
        gc.collect()
        after = rss_mb()
        await client.aclose()
        await gateway.aclose()
        total = sum(outcomes.values())
        latencies.sort()
        p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else 0.0
        print(f"soak: {seconds:.0f}s, concurrency {concurrency}: {total} requests in {elapsed:.1f}s "
              f"({total / elapsed:.0f}/s), p99 {p99 * 1000:.0f} ms")
        print(f"  outcomes: {dict(outcomes.most_common())}")
        print(f"  beta requests received: {sum(beta.counts.values())}, alpha: {sum(alpha.counts.values())}")
        print(f"  RSS before {before:.1f} MB, after {after:.1f} MB (delta {after - before:+.1f} MB)")
        print(f"  stuck requests: {stuck}")
        print(f"  afterwards: {healthy}")
        return 1 if stuck or healthy.get("errors") else 0


if __name__ == "__main__":
    secs = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
    conc = int(sys.argv[2]) if len(sys.argv) > 2 else 32
    sys.exit(asyncio.run(soak(secs, conc)))
