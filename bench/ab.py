"""A/B two builds of bff on the same subgraphs, interleaved, in one run.

    /work/venv/bin/python bench/ab.py --baseline-tree /work/main [--rounds 6] [--duration 8] \
        [--workload one-subgraph] [--live] [--env BFF_LOG_LEVEL=INFO ...]

Candidate: this tree's code; baseline: the tree given (e.g. main's worktree).
Both run as `python -P -m gateway serve` with THIS interpreter and packages (the
baseline with PYTHONPATH set to its tree; -P keeps the working directory off
sys.path), so only the code differs. wrk drives
them in alternating order (A B B A A B ...) against replayed subgraphs
(bench/subgraph_proxy.py) unless --live. Reported per build: req/s over all
rounds, median p50/p99, and the gateway's CPU µs per request (from /proc);
then candidate/baseline ratios. Shares bench/run.py's process handling.

--in-process instead times `Gateway.execute` in a loop over a transport that
answers instantly from recorded subgraph answers (no HTTP either side): one
worker process per build, batches of --iterations calls alternating between
them, --rounds batches each; the gateway's own per-request cost, far less
noisy than the load test. --cold N instead starts each build N times
(alternating) and times process start to the first answer.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # noqa: E402  (bench/run.py)

CANDIDATE, BASELINE = "candidate", "baseline"

# Runs inside each build's process (python -P -c, PYTHONPATH = the build's tree): record the subgraph
# answers once through the real transport, warm up, then run one timed batch of execute() calls over
# the recorded answers per line read from stdin, writing "<package path> <CPU µs per request>" to the
# file descriptor argv[4] (stdout/stderr may carry telemetry). argv: supergraph, query, iterations, fd,
# "canned" or "real" (the gateway's own transport over HTTP).
WORKER = """
import asyncio, os, sys, time
import orjson
import gateway
from gateway.execute.transport import HttpTransport
from gateway.gateway import Gateway
from gateway.request import GraphQLRequest

class Recording:
    def __init__(self, inner):
        self.inner, self.answers = inner, {}
    async def send(self, service, url, body, headers=None, call=None):
        payload = await self.inner.send(service, url, body, headers)
        self.answers[(service, orjson.dumps(body))] = orjson.dumps(payload)
        return payload
    async def aclose(self):
        await self.inner.aclose()

class Canned:
    def __init__(self, answers):
        self.answers = answers
    async def send(self, service, url, body, headers=None, call=None):
        return orjson.loads(self.answers[(service, orjson.dumps(body))])
    async def aclose(self):
        pass

async def main():
    sdl, query, iterations, fd = open(sys.argv[1]).read(), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    recording = Recording(HttpTransport())
    g = Gateway(sdl, transport=recording)
    answer = await g.execute(GraphQLRequest(query=query))
    assert not answer.body.get("errors"), answer.body
    await g.aclose()
    # "real": the gateway's own transport stack over HTTP to the (replayed) subgraphs; CPU time is
    # still this process's alone.
    g = Gateway(sdl) if sys.argv[5] == "real" else Gateway(sdl, transport=Canned(recording.answers))
    request = GraphQLRequest(query=query)
    for _ in range(iterations):
        await g.execute(request)
    while sys.stdin.readline().strip() == "go":
        t0 = time.process_time()  # CPU time: other processes on the machine count less than in wall time
        for _ in range(iterations):
            await g.execute(request)
        os.write(fd, f"{gateway.__file__} {(time.process_time() - t0) / iterations * 1e6}\\n".encode())

asyncio.run(main())
"""


def in_process(args: argparse.Namespace, builds: dict[str, dict[str, str]], supergraph: Path, env: dict[str, str],
               workdir: Path) -> dict[str, Any]:
    """Both builds' workers side by side; batches alternate between them (A B B A ...)."""
    query = bench.WORKLOADS[args.workload]["query"]
    workers: dict[str, tuple[subprocess.Popen, Any]] = {}
    try:
        for name, extra in builds.items():
            read_fd, write_fd = os.pipe()
            argv = [sys.executable, "-P", "-c", WORKER, str(supergraph), query, str(args.iterations), str(write_fd),
                    "real" if args.real_transport else "canned"]
            proc = subprocess.Popen(argv, env={**os.environ, **env, **extra}, pass_fds=(write_fd,),
                                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    text=True)
            os.close(write_fd)
            workers[name] = (proc, os.fdopen(read_fd))
        batches: dict[str, list[float]] = {CANDIDATE: [], BASELINE: []}
        used: dict[str, str] = {}
        for round_no in range(args.rounds):
            order = (CANDIDATE, BASELINE) if round_no % 2 == 0 else (BASELINE, CANDIDATE)
            for name in order:
                proc, results = workers[name]
                proc.stdin.write("go\n")  # type: ignore[union-attr]
                proc.stdin.flush()  # type: ignore[union-attr]
                line = results.readline()
                if not line:
                    raise bench.BenchError(f"the {name} worker exited with code {proc.wait()}")
                used[name], us = line.rsplit(" ", 1)
                batches[name].append(float(us))
        summary = {name: {"us_per_request": round(statistics.median(b), 2),
                          "batches_us": [round(x, 1) for x in b], "package": used[name]} for name, b in batches.items()}
    finally:
        for proc, results in workers.values():
            if proc.poll() is None:
                proc.stdin.close()  # type: ignore[union-attr]
                proc.wait(10)
            results.close()
    ratio = round(summary[CANDIDATE]["us_per_request"] / summary[BASELINE]["us_per_request"], 3)
    for name, s in summary.items():
        print(f"{name:<9} {s['us_per_request']:7.2f} CPU µs/request, median of {len(s['batches_us'])} batches "
              f"({s['package']})")
    print(f"candidate/baseline: {ratio}")
    return {**summary, "candidate/baseline": ratio}


def cold_starts(args: argparse.Namespace, builds: dict[str, dict[str, str]], supergraph: Path, env: dict[str, str],
                procs: Any) -> dict[str, Any]:
    """Process start to the first answer of `bff serve`, alternating builds, --cold times each."""
    import time

    body = bench.body_of(bench.WORKLOADS["one-subgraph"]["query"])
    times: dict[str, list[float]] = {CANDIDATE: [], BASELINE: []}
    for i in range(args.cold):
        for name in ((CANDIDATE, BASELINE) if i % 2 == 0 else (BASELINE, CANDIDATE)):
            port = bench.free_port()
            url = f"http://127.0.0.1:{port}/graphql"
            argv = [sys.executable, "-P", "-m", "gateway", "serve", "--supergraph", str(supergraph),
                    "--host", "127.0.0.1", "--port", str(port)]
            t0 = time.perf_counter()
            proc = procs.start(f"cold-{name}", argv, env={**env, **builds[name]})
            t1 = bench.wait_until(lambda u=url: bench.answers(u, body), procs, proc, 60,
                                  f"gateway {name} (cold start)", interval=0.002)
            times[name].append(round((t1 - t0) * 1000, 1))
            procs.stop(proc)
            time.sleep(0.3)
    out = {name: {"median_ms": statistics.median(t), "runs_ms": t} for name, t in times.items()}
    diff = round(out[CANDIDATE]["median_ms"] - out[BASELINE]["median_ms"], 1)
    for name, o in out.items():
        print(f"cold start {name:<9} median {o['median_ms']:.0f} ms  runs {o['runs_ms']}")
    print(f"cold start candidate - baseline: {diff} ms")
    return {**out, "candidate-baseline_ms": diff}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline-tree", required=True, help="source tree of the baseline build (e.g. /work/main)")
    parser.add_argument("--workload", default="one-subgraph", choices=sorted(bench.WORKLOADS))
    parser.add_argument("--rounds", type=int, default=6, help="rounds; each runs both builds once (default 6)")
    parser.add_argument("--duration", type=float, default=8, help="seconds per measured run (default 8)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load per build first (default 3)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--live", action="store_true", help="call the real subgraphs instead of replaying them")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="environment variable for both gateways (repeatable)")
    parser.add_argument("--in-process", action="store_true",
                        help="time Gateway.execute in-process over recorded answers instead of load over HTTP")
    parser.add_argument("--iterations", type=int, default=2000, help="execute() calls per batch (--in-process)")
    parser.add_argument("--real-transport", action="store_true",
                        help="--in-process through the gateway's own transport over HTTP (to the replayed "
                             "subgraphs) instead of recorded answers")
    parser.add_argument("--cold", type=int, default=0, metavar="N",
                        help="instead: N cold starts of each build (process start to first answer)")
    parser.add_argument("--output", help="also write the results as JSON here")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("bench: wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2
    baseline_tree = Path(args.baseline_tree).resolve()
    if not (baseline_tree / "gateway" / "__init__.py").exists():
        print(f"bench: {baseline_tree} has no gateway/ package", file=sys.stderr)
        return 2

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    workdir = Path(tempfile.mkdtemp(prefix="bff-ab-"))
    procs = bench.Processes(workdir)
    env = dict(e.split("=", 1) for e in args.env)
    try:
        urls = bench.start_subgraphs(procs)
        if not args.live:
            proxy, _ = bench.start_proxy(procs, urls)
            urls = {name: f"{proxy}/{name}/graphql" for name in urls}
        supergraph = bench.write_supergraph(workdir / "supergraph.graphql", urls)
        builds = {CANDIDATE: {}, BASELINE: {"PYTHONPATH": str(baseline_tree)}}
        if args.cold:
            result = cold_starts(args, builds, supergraph, env, procs)
            if args.output:
                Path(args.output).write_text(json.dumps(result, indent=2))
            return 0
        if args.in_process:
            result = in_process(args, builds, supergraph, env, workdir)
            if args.output:
                Path(args.output).write_text(json.dumps({"workload": args.workload, "env": env, **result}, indent=2))
            return 0
        body = bench.body_of(bench.WORKLOADS[args.workload]["query"])
        gateways: dict[str, tuple[str, Any]] = {}
        for name, extra in builds.items():
            port = bench.free_port()
            argv = [sys.executable, "-P", "-m", "gateway", "serve", "--supergraph", str(supergraph),
                    "--host", "127.0.0.1", "--port", str(port)]
            proc = procs.start(f"gateway-{name}", argv, env={**env, **extra})
            url = f"http://127.0.0.1:{port}/graphql"
            bench.wait_until(lambda u=url: bench.answers(u, body), procs, proc, 60, f"gateway {name}")
            gateways[name] = (url, proc)
        load = bench.Load(procs, workdir, args)
        for url, _ in gateways.values():
            load.run(url, body, args.warmup)
        runs: dict[str, list] = {CANDIDATE: [], BASELINE: []}
        for round_no in range(args.rounds):
            order = (CANDIDATE, BASELINE) if round_no % 2 == 0 else (BASELINE, CANDIDATE)
            for name in order:
                url, proc = gateways[name]
                result = load.run(url, body, args.duration, {"gateway": proc.pid})
                runs[name].append(result)
                print(f"  round {round_no + 1}/{args.rounds} {name:<9} {result['rps']:>8.1f} req/s  "
                      f"p50 {result['p50_us'] / 1000:6.2f} ms  errors {result['errors']}  "
                      f"CPU {result['cpu_us_per_request']['gateway']:.0f} µs/req", flush=True)
        agg = {name: bench.aggregate(r) for name, r in runs.items()}
        ratio = bench.ratios(agg[CANDIDATE], agg[BASELINE])
        out = {"workload": args.workload, "subgraphs": "live" if args.live else "replayed", "env": env,
               "baseline_tree": str(baseline_tree), "rounds": args.rounds, "duration_s": args.duration,
               **agg, "candidate/baseline": ratio}
        print(bench.table([["build", "req/s", "p50 ms", "p99 ms", "errors", "CPU µs/req"]] + [
            [name, f"{a['rps']:.1f}", f"{a['p50_ms']:.2f}", f"{a['p99_ms']:.2f}", str(a["errors"]),
             f"{a.get('gateway_cpu_us_per_request', 0):.0f}"] for name, a in agg.items()]))
        print(f"candidate/baseline: req/s {ratio['rps']}, p50 {ratio['p50']}, "
              f"CPU per request {ratio['cpu_per_request']}")
        if args.output:
            Path(args.output).write_text(json.dumps(out, indent=2) + "\n")
        return 0
    except bench.BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    finally:
        procs.stop_all()


if __name__ == "__main__":
    sys.exit(main())
