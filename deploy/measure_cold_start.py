"""Cold start of the gateway Lambda handler, measured in a fresh process (no uvicorn anywhere):

    process start -> imports (handler module) -> graph load (Gateway built) -> first answer

then warm answers through the same handler, and the package sizes if `osls package` has run.
Subgraphs are the example services' own Lambda handlers, invoked in-process through the
Lambda transport (a fake boto3 client), so the numbers are the gateway's, not the network's.

    python deploy/measure_cold_start.py [--runs 5] [--package-dir .serverless]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import time, sys, json
t0 = time.perf_counter()
sys.path.insert(0, ROOT)
from gateway.http import lambda_handler
t_import = time.perf_counter()
from tests.deploy.events import http_v2
from tests.deploy.inprocess import InProcessLambda, SERVICES, service_handler, load_build
lambdas = InProcessLambda({f"bff-m-{n}": service_handler(n, "k" * 24) for n in SERVICES})
import os; os.environ["BFF_MEASURE_KEY"] = "k" * 24; os.environ["BFF_ALLOW_ANONYMOUS"] = "true"
sdl = load_build().lambda_supergraph(open(ROOT + "/services/supergraph.graphql").read(), "m")
t_services = time.perf_counter()
def factory():
    from gateway.gateway import Gateway
    from gateway.config import GatewayConfig
    g = Gateway(sdl, GatewayConfig(subgraph_api_keys={n: "env:BFF_MEASURE_KEY" for n in SERVICES}))
    g.transport._lambda_transport()._client = lambdas
    global t_graph; t_graph = time.perf_counter()
    return g
t_graph = None
lambda_handler._gateway_factory = factory
event = http_v2("POST", "/graphql", {"query": QUERY})
t_req = time.perf_counter()
first = lambda_handler.handler(event, None)
t_first = time.perf_counter()
assert first["statusCode"] == 200 and '"errors"' not in first["body"], first
warm = []
for _ in range(50):
    s = time.perf_counter(); r = lambda_handler.handler(event, None); warm.append(time.perf_counter() - s)
print(json.dumps({"imports_ms": (t_import - t0) * 1000, "graph_load_ms": (t_graph - t_req) * 1000,
                  "first_answer_ms": (t_first - t_req) * 1000,
                  "cold_total_ms": (t_first - t0) * 1000 - (t_services - t_import) * 1000,
                  "warm_median_ms": sorted(warm)[len(warm) // 2] * 1000}))
"""
QUERY = "{ courses { title instructor { name } averageRating } }"


def measure_once() -> dict[str, float]:
    """One fresh interpreter: the cold path's timings (interpreter start-up is measured apart)."""
    code = f"ROOT = {str(ROOT)!r}; QUERY = {QUERY!r}\n" + _CHILD
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def interpreter_start_ms(runs: int) -> float:
    """Bare `python -c pass`: what the process costs before any of our code."""
    import time

    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-S", "-c", "pass"], check=True)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cold start of the gateway Lambda handler")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--package-dir", default=str(ROOT / ".serverless"))
    args = parser.parse_args(argv)
    runs = [measure_once() for _ in range(args.runs)]
    report = {key: round(statistics.median(r[key] for r in runs), 1) for key in runs[0]}
    report["interpreter_start_ms"] = round(interpreter_start_ms(args.runs), 1)
    packages = Path(args.package_dir)
    if packages.is_dir():
        report["package_bytes"] = {p.stem: p.stat().st_size for p in sorted(packages.glob("*.zip"))}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
