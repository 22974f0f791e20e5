"""`bff serve` with 1 and with N worker processes on the same subgraphs, interleaved, in one run.

    .venv/bin/python bench/workers.py [--workers 2] [--rounds 4] [--duration 8] [--workload three-subgraphs] [--live]

Both gateways run at once (an idle one costs nothing); wrk drives them in
alternating order (A B B A ...), against the live example subgraphs with --live,
else against bench/subgraph_proxy.py replaying their answers (cheaper, so more
of the machine is left to the gateway). Reported per worker count: req/s, p50,
p99, errors, the gateway's CPU (all its processes) in cores and µs per request,
and what the subgraphs (or the replay proxy) took of the CPU meanwhile, in cores.
Shares bench/run.py's process handling; needs wrk.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # noqa: E402  (bench/run.py)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="worker count compared with 1 (default 2)")
    parser.add_argument("--workload", default="three-subgraphs", choices=sorted(bench.WORKLOADS))
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=float, default=8)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--live", action="store_true", help="the real subgraphs instead of replayed answers")
    parser.add_argument("--output", help="also write the results as JSON here")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("bench: wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    workdir = Path(tempfile.mkdtemp(prefix="bff-workers-"))
    procs = bench.Processes(workdir)
    try:
        urls = bench.start_subgraphs(procs)
        if not args.live:
            proxy, _ = bench.start_proxy(procs, urls)
            urls = {name: f"{proxy}/{name}/graphql" for name in urls}
        supergraph = bench.write_supergraph(workdir / "supergraph.graphql", urls)
        body = bench.body_of(bench.WORKLOADS[args.workload]["query"])
        counts = [1, args.workers]
        gateways: dict[int, tuple[str, Any]] = {}
        for n in counts:
            port = bench.free_port()
            argv = [sys.executable, "-m", "gateway", "serve", "--supergraph", str(supergraph),
                    "--host", "127.0.0.1", "--port", str(port), "--workers", str(n)]
            proc = procs.start(f"gateway-{n}", argv)
            url = f"http://127.0.0.1:{port}/graphql"
            bench.wait_until(lambda u=url: bench.answers(u, body), procs, proc, 60, f"gateway with {n} worker(s)")
            gateways[n] = (url, proc)
        load = bench.Load(procs, workdir, args)
        for url, _ in gateways.values():
            load.run(url, body, args.warmup)
        runs: dict[int, list] = {n: [] for n in counts}
        for round_no in range(args.rounds):
            for n in (counts if round_no % 2 == 0 else counts[::-1]):
                url, proc = gateways[n]
                watch = {"gateway": proc.pid, "subgraphs": list(bench.SUBGRAPH_PIDS)}
                result = load.run(url, body, args.duration, watch)
                seconds = result["duration_us"] / 1e6
                result["gateway_cores"] = round(result["cpu_s"]["gateway"] / seconds, 2)
                result["subgraph_cores"] = round(result["cpu_s"]["subgraphs"] / seconds, 2)
                runs[n].append(result)
                print(f"  round {round_no + 1}/{args.rounds} workers={n}  {result['rps']:>8.1f} req/s  "
                      f"p50 {result['p50_us'] / 1000:6.2f} ms  errors {result['errors']}  gateway "
                      f"{result['gateway_cores']:.2f} cores ({result['cpu_us_per_request']['gateway']:.0f} µs/req)  "
                      f"subgraphs {result['subgraph_cores']:.2f} cores", flush=True)
        agg = {n: {**bench.aggregate(r), "gateway_cores": statistics.median(x["gateway_cores"] for x in r),
                   "subgraph_cores": statistics.median(x["subgraph_cores"] for x in r)} for n, r in runs.items()}
        print(bench.table([["workers", "req/s", "p50 ms", "p99 ms", "errors", "gateway cores", "gateway µs/req",
                            "subgraph cores"]] + [
            [str(n), f"{a['rps']:.1f}", f"{a['p50_ms']:.2f}", f"{a['p99_ms']:.2f}", str(a["errors"]),
             f"{a['gateway_cores']:.2f}", f"{a.get('gateway_cpu_us_per_request', 0):.0f}",
             f"{a['subgraph_cores']:.2f}"] for n, a in agg.items()]))
        if args.output:
            Path(args.output).write_text(json.dumps({"workload": args.workload, "live": args.live,
                                                     **{f"workers_{n}": a for n, a in agg.items()}}, indent=2) + "\n")
        return 0
    except bench.BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    finally:
        procs.stop_all()


if __name__ == "__main__":
    sys.exit(main())
