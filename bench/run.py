"""Benchmark: bff against @apollo/gateway, side by side, on the example subgraphs, on loopback.

    /work/venv/bin/python bench/run.py [--duration 10] [--concurrency 16] [--rounds 2] ...

What it does (docs/benchmark.md explains every number):

1. starts the four example subgraphs (one uvicorn process each) and a
   record-and-replay front for them (bench/subgraph_proxy.py);
2. starts `bff serve` and @apollo/gateway (bench/apollo-gateway.mjs) on the
   same supergraph file (a copy of services/supergraph.graphql with the
   subgraph URLs rewritten to the ports used here);
3. checks that both gateways answer every workload with the same JSON (exits
   with an error if not), warms both, then runs wrk against them in A/B/A/B
   rounds, once with the live subgraphs and once with replayed subgraphs;
4. measures each gateway's own share of a request (latency at concurrency 1
   minus the time the same subgraph requests take when sent directly), the
   in-process warm overhead of `Gateway.execute` over a transport that answers
   instantly, and cold start (process start to first answer);
5. prints a table and writes bench/results.json.

Every process it starts runs in its own process group and is killed on exit,
error or Ctrl-C. Needs wrk (`apt-get install -y wrk`) and Node 20 with
tests/node/node_modules installed; py-spy only for --profile.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))

from services.catalog import SERVICES  # noqa: E402

SUPERGRAPH = ROOT / "services" / "supergraph.graphql"
APOLLO_SCRIPT = BENCH / "apollo-gateway.mjs"
PROXY_SCRIPT = BENCH / "subgraph_proxy.py"
BFF_BIN = Path(sys.executable).with_name("bff")
CLK_TCK = os.sysconf("SC_CLK_TCK")

# The workloads. Both are plain queries without variables, so wrk can replay one body.
WORKLOADS: dict[str, dict[str, str]] = {
    "one-subgraph": {
        "description": "users list, served by accounts alone (20 users; public fields: e-mails are the owner's)",
        "query": "{ users { id name roles } }",
    },
    "three-subgraphs": {
        "description": "courses -> reviews -> authors: courses, then reviews (_entities for 10 courses, 120 reviews), "
                       "then accounts (_entities for the authors' roles, 120 references, 20 distinct)",
        "query": "{ courses { id title reviews { id rating body author { id name roles } } } }",
    },
}
OURS, APOLLO = "bff", "apollo"
# How our gateway is started: `bff serve` unless --bff-command / --bff-env say otherwise.
BFF_LAUNCH: dict[str, Any] = {"command": [str(BFF_BIN)], "env": {}}


# ---------------------------------------------------------------- processes


class Processes:
    """Children in their own process groups, so killing one kills what it started too."""

    def __init__(self, logdir: Path) -> None:
        self.logdir = logdir
        self.running: list[subprocess.Popen] = []

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None,
              stdin_pipe: bool = False) -> subprocess.Popen:
        log = open(self.logdir / f"{name}.log", "ab")
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                stdin=subprocess.PIPE if stdin_pipe else subprocess.DEVNULL,
                                env={**os.environ, **(env or {})})
        log.close()
        proc.bench_name = name  # type: ignore[attr-defined]
        self.running.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen, timeout: float = 5.0) -> None:
        if proc in self.running:
            self.running.remove(proc)
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left in the group (the leader may be gone already).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(2)

    def stop_all(self) -> None:
        for proc in reversed(list(self.running)):
            self.stop(proc)

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.logdir / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


class BenchError(Exception):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int | list[int]) -> float:
    """User + system CPU time so far of a process and its live descendants (`bff serve --workers N`:
    the workers), or of several such processes."""
    if isinstance(pid, list):
        return sum(cpu_seconds(p) for p in pid)
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    total = (int(fields[11]) + int(fields[12])) / CLK_TCK
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        total += sum(cpu_seconds(int(child)) for child in task.read_text().split())
    return total


# Subgraph and replay-proxy processes, watched beside the gateway to say what the subgraphs take of the CPU.
SUBGRAPH_PIDS: list[int] = []


# ---------------------------------------------------------------- HTTP (blocking, keep-alive)


class Client:
    """One keep-alive connection; small and cheap so the measuring client adds little."""

    def __init__(self, url: str) -> None:
        m = re.match(r"http://([^/:]+):(\d+)(/.*)", url)
        if not m:
            raise ValueError(url)
        self.host, self.port, self.path = m.group(1), int(m.group(2)), m.group(3)
        self.conn: http.client.HTTPConnection | None = None

    def post(self, body: bytes, path: str | None = None, timeout: float = 30.0) -> tuple[int, bytes]:
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            try:
                self.conn.request("POST", path or self.path, body,
                                  {"Content-Type": "application/json", "Accept": "application/json"})
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def request(self, method: str, path: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            conn.request(method, path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def body_of(query: str) -> bytes:
    return json.dumps({"query": query}).encode()


def answers(url: str, body: bytes) -> bool:
    """True once `url` answers the query with data and no errors."""
    client = Client(url)
    try:
        status, raw = client.post(body, timeout=2)
    except OSError:
        return False
    finally:
        client.close()
    if status != 200:
        return False
    try:
        payload = json.loads(raw)
    except ValueError:
        return False
    return isinstance(payload, dict) and payload.get("data") is not None and not payload.get("errors")


def wait_until(check: Any, procs: Processes, proc: subprocess.Popen, timeout: float, what: str,
               interval: float = 0.05) -> float:
    """Poll `check()` until true; returns when it was (perf_counter). Fails if the process dies."""
    deadline = time.perf_counter() + timeout
    while True:
        if check():
            return time.perf_counter()
        if proc.poll() is not None:
            raise BenchError(f"{what} exited with code {proc.returncode}:\n{procs.log_tail(proc.bench_name)}")
        if time.perf_counter() > deadline:
            raise BenchError(f"{what} not ready after {timeout:.0f} s:\n{procs.log_tail(proc.bench_name)}")
        time.sleep(interval)


def health_ok(url: str) -> bool:
    try:
        status, _ = Client(url).request("GET", "/health")
    except OSError:
        return False
    return status == 200


# ---------------------------------------------------------------- the stack


@dataclass
class Gateways:
    urls: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)


def write_supergraph(path: Path, urls: dict[str, str]) -> Path:
    sdl = SUPERGRAPH.read_text()
    for name, url in urls.items():
        sdl, n = re.subn(rf'(@join__graph\(name: "{re.escape(name)}", url: )"[^"]*"', rf'\1"{url}"', sdl)
        if n != 1:
            raise BenchError(f"cannot find the join__graph entry of subgraph {name!r} in {SUPERGRAPH}")
    path.write_text(sdl)
    # @apollo/gateway refuses a supergraph linking features it cannot enforce (`for: SECURITY`: @authenticated,
    # @policy); only Apollo Router enforces them. The workloads read public fields only, so Apollo gets a copy
    # without those links (and answers the same); ours serves the file as it is, access checks included.
    apollo_sdl = re.sub(r' @link\(url: "[^"]*", for: SECURITY\)', "", sdl)
    apollo_copy(path).write_text(apollo_sdl)
    return path


def apollo_copy(path: Path) -> Path:
    return path.with_name(path.stem + ".apollo.graphql")


def start_subgraphs(procs: Processes) -> dict[str, str]:
    urls = {}
    started = []
    for service in SERVICES:
        port = free_port()
        proc = procs.start(f"subgraph-{service.name}",
                           [sys.executable, "-m", "uvicorn", service.app, "--host", "127.0.0.1", "--port", str(port),
                            "--log-level", "warning", "--no-access-log"])
        urls[service.name] = service.url("127.0.0.1", port)
        started.append((service, proc))
        SUBGRAPH_PIDS.append(proc.pid)
    for service, proc in started:
        wait_until(lambda u=urls[service.name]: health_ok(u), procs, proc, 30, f"subgraph {service.name}")
    return urls


def start_proxy(procs: Processes, upstreams: dict[str, str]) -> tuple[str, subprocess.Popen]:
    port = free_port()
    argv = [sys.executable, str(PROXY_SCRIPT), "--port", str(port)]
    for name, url in upstreams.items():
        argv += ["--upstream", f"{name}={url}"]
    proc = procs.start("subgraph-proxy", argv)
    SUBGRAPH_PIDS.append(proc.pid)
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: health_ok(base + "/graphql"), procs, proc, 30, "subgraph proxy")
    return base, proc


def gateway_argv(which: str, supergraph: Path, port: int) -> tuple[list[str], dict[str, str], bool]:
    if which == OURS:
        return [*BFF_LAUNCH["command"], "serve", "--supergraph", str(supergraph), "--host", "127.0.0.1",
                "--port", str(port)], dict(BFF_LAUNCH["env"]), False
    return ["node", str(APOLLO_SCRIPT), str(apollo_copy(supergraph)), str(port)], {"NODE_ENV": "production"}, True


def start_gateways(procs: Processes, supergraph: Path, tag: str) -> Gateways:
    gateways = Gateways()
    probe = body_of(WORKLOADS["one-subgraph"]["query"])
    for which in (OURS, APOLLO):
        port = free_port()
        argv, env, stdin_pipe = gateway_argv(which, supergraph, port)
        gateways.procs[which] = procs.start(f"{which}-{tag}", argv, env=env, stdin_pipe=stdin_pipe)
        gateways.urls[which] = f"http://127.0.0.1:{port}/graphql"
    for which, proc in gateways.procs.items():
        wait_until(lambda u=gateways.urls[which]: answers(u, probe), procs, proc, 60, f"gateway {which}")
    return gateways


def stop_gateways(procs: Processes, gateways: Gateways) -> None:
    for proc in gateways.procs.values():
        procs.stop(proc)


# ---------------------------------------------------------------- checks and serial timing


def verify_identical(gateways: Gateways) -> dict[str, int]:
    """Both gateways must answer each workload with the same JSON, in the same field order."""
    sizes = {}
    for name, workload in WORKLOADS.items():
        body = body_of(workload["query"])
        got = {}
        for which, url in gateways.urls.items():
            client = Client(url)
            status, raw = client.post(body)
            client.close()
            if status != 200:
                raise BenchError(f"{which} answered HTTP {status} to workload {name}: {raw[:500]!r}")
            payload = json.loads(raw)
            if payload.get("errors") or payload.get("data") is None:
                raise BenchError(f"{which} answered workload {name} with errors: {raw[:1000]!r}")
            got[which] = payload
        ours, theirs = got[OURS], got[APOLLO]
        if ours != theirs:
            raise BenchError(f"workload {name}: the gateways answer differently\n  bff:    {json.dumps(ours)[:800]}\n"
                             f"  apollo: {json.dumps(theirs)[:800]}")
        if json.dumps(ours) != json.dumps(theirs):
            raise BenchError(f"workload {name}: same values but different field order")
        sizes[name] = len(json.dumps(ours, separators=(",", ":")))
    return sizes


def serial_latency(url: str, body: bytes, n: int) -> dict[str, float]:
    """Latency at concurrency 1 over one keep-alive connection (µs)."""
    client = Client(url)
    for _ in range(max(20, n // 10)):
        client.post(body)
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        status, _ = client.post(body)
        samples.append((time.perf_counter() - t0) * 1e6)
        if status != 200:
            raise BenchError(f"{url} answered HTTP {status} during serial timing")
    client.close()
    return summarize(samples)


def chain_latency(sequence: list[dict[str, str]], subgraph_urls: dict[str, str], n: int) -> dict[str, float]:
    """The subgraph requests a plan makes, sent directly one after the other (µs per chain)."""
    clients = {name: Client(url) for name, url in subgraph_urls.items()}
    steps = [(clients[s["service"]], s["body"].encode()) for s in sequence]
    for _ in range(max(20, n // 10)):
        for client, body in steps:
            client.post(body)
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        for client, body in steps:
            status, _ = client.post(body)
            if status != 200:
                raise BenchError(f"subgraph answered HTTP {status} while replaying a plan")
        samples.append((time.perf_counter() - t0) * 1e6)
    for client in clients.values():
        client.close()
    return summarize(samples)


def summarize(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"n": len(ordered), "p50_us": round(statistics.median(ordered), 1),
            "p99_us": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
            "mean_us": round(statistics.fmean(ordered), 1)}


def plan_requests(proxy: str, url: str, body: bytes) -> list[dict[str, str]]:
    """The subgraph requests one gateway request causes, as the replay proxy saw them (in arrival order)."""
    admin = Client(proxy + "/__log")
    admin.request("DELETE", "/__log")
    client = Client(url)
    client.post(body)
    client.close()
    return json.loads(admin.request("GET", "/__log")[1])


# ---------------------------------------------------------------- load (wrk)

WRK_LUA = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.body = [==[%(body)s]==]
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad_status = 0; gql_errors = 0 end
function response(status, headers, body)
  if status ~= 200 then bad_status = bad_status + 1
  elseif string.find(body, '"errors"', 1, true) then gql_errors = gql_errors + 1 end
end
function done(summary, latency, requests)
  local b, g = 0, 0
  for _, t in ipairs(threads) do b = b + t:get("bad_status"); g = g + t:get("gql_errors") end
  io.write(string.format('BENCHJSON {"requests":%%d,"duration_us":%%d,"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,' ..
    '"max_us":%%d,"mean_us":%%.1f,"socket_errors":%%d,"timeouts":%%d,"bad_status":%%d,"graphql_errors":%%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout, b, g))
end
"""


class Load:
    def __init__(self, procs: Processes, workdir: Path, args: argparse.Namespace) -> None:
        self.procs = procs
        self.workdir = workdir
        self.args = args
        self.scripts: dict[bytes, Path] = {}

    def script(self, body: bytes) -> Path:
        if body not in self.scripts:
            path = self.workdir / f"load-{len(self.scripts)}.lua"
            path.write_text(WRK_LUA % {"body": body.decode()})
            self.scripts[body] = path
        return self.scripts[body]

    def run(self, url: str, body: bytes, seconds: float, watch: dict[str, Any] | None = None) -> dict[str, Any]:
        """wrk for `seconds` at --concurrency; `watch` = {label: pid} whose CPU time is measured meanwhile."""
        argv = ["wrk", f"-t{self.args.wrk_threads}", f"-c{self.args.concurrency}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
                "-s", str(self.script(body)), url]
        before = {label: cpu_seconds(pid) for label, pid in (watch or {}).items()}
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.running.append(proc)
        proc.bench_name = "wrk"  # type: ignore[attr-defined]
        out, _ = proc.communicate(timeout=seconds + 60)
        self.procs.running.remove(proc)
        after = {label: cpu_seconds(pid) for label, pid in (watch or {}).items()}
        text = out.decode(errors="replace")
        line = next((l for l in text.splitlines() if l.startswith("BENCHJSON ")), None)
        if proc.returncode != 0 or line is None:
            raise BenchError(f"wrk failed ({proc.returncode}):\n{text}")
        result = json.loads(line[len("BENCHJSON "):])
        result["rps"] = round(result["requests"] / (result["duration_us"] / 1e6), 1)
        result["errors"] = result["socket_errors"] + result["timeouts"] + result["bad_status"] + result["graphql_errors"]
        if watch:
            result["cpu_s"] = {label: round(after[label] - before[label], 3) for label in watch}
            if result["requests"]:
                result["cpu_us_per_request"] = {label: round((after[label] - before[label]) / result["requests"] * 1e6, 1)
                                                for label in watch}
        return result


def aggregate(runs: list[dict[str, Any]]) -> dict[str, Any]:
    requests = sum(r["requests"] for r in runs)
    seconds = sum(r["duration_us"] for r in runs) / 1e6
    out: dict[str, Any] = {
        "rps": round(requests / seconds, 1),
        "p50_ms": round(statistics.median(r["p50_us"] for r in runs) / 1000, 2),
        "p99_ms": round(statistics.median(r["p99_us"] for r in runs) / 1000, 2),
        "errors": sum(r["errors"] for r in runs),
        "requests": requests,
        "rounds_rps": [r["rps"] for r in runs],
    }
    cpu = [r["cpu_us_per_request"]["gateway"] for r in runs if "cpu_us_per_request" in r]
    if cpu:
        out["gateway_cpu_us_per_request"] = round(statistics.median(cpu), 1)
        out["gateway_cpu_cores"] = round(statistics.median(r["cpu_s"]["gateway"] / (r["duration_us"] / 1e6)
                                                           for r in runs), 2)
    return out


def ratios(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, float | None]:
    def ratio(key: str) -> float | None:
        return round(ours[key] / theirs[key], 2) if theirs.get(key) else None

    return {"rps": ratio("rps"), "p50": ratio("p50_ms"), "p99": ratio("p99_ms"),
            "cpu_per_request": ratio("gateway_cpu_us_per_request")}


def load_phase(load: Load, gateways: Gateways, args: argparse.Namespace, label: str) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, workload in WORKLOADS.items():
        body = body_of(workload["query"])
        for which, url in gateways.urls.items():  # warm both
            load.run(url, body, args.warmup)
        runs: dict[str, list] = {OURS: [], APOLLO: []}
        for round_no in range(args.rounds):
            for which in (OURS, APOLLO):
                run = load.run(gateways.urls[which], body, args.duration,
                               {"gateway": gateways.procs[which].pid, "subgraphs": list(SUBGRAPH_PIDS)})
                runs[which].append(run)
                print(f"  [{label}] {name:<16} round {round_no + 1}/{args.rounds} {which:<6} "
                      f"{run['rps']:>8.1f} req/s  p50 {run['p50_us'] / 1000:7.2f} ms  p99 {run['p99_us'] / 1000:7.2f} ms  "
                      f"errors {run['errors']}  gateway CPU {run['cpu_us_per_request']['gateway']:.0f} µs/req  "
                      f"subgraphs CPU {run['cpu_s']['subgraphs'] / (run['duration_us'] / 1e6):.2f} cores",
                      flush=True)
        agg = {which: aggregate(r) for which, r in runs.items()}
        results[name] = {**agg, "ratio": ratios(agg[OURS], agg[APOLLO]), "runs": runs}
    return results


# ---------------------------------------------------------------- in-process warm overhead


class RecordingTransport:
    """Wraps the real transport; keeps each subgraph answer as JSON bytes, keyed by the request body."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.answers: dict[tuple[str, bytes], bytes] = {}

    async def send(self, service: str, url: str, body: dict, headers: dict | None = None, call: Any = None) -> dict:
        import orjson

        payload = await self.inner.send(service, url, body, headers, call)
        self.answers[(service, orjson.dumps(body))] = orjson.dumps(payload)
        return payload

    async def aclose(self) -> None:
        await self.inner.aclose()


class CannedTransport:
    """Answers instantly from recorded bytes. Serializes the request and parses the answer as the HTTP
    transport does (orjson both ways), so only the network and the subgraph are taken out."""

    def __init__(self, answers: dict[tuple[str, bytes], bytes]) -> None:
        self.answers = answers
        self.calls = 0

    async def send(self, service: str, url: str, body: dict, headers: dict | None = None, call: Any = None) -> dict:
        import orjson

        self.calls += 1
        return orjson.loads(self.answers[(service, orjson.dumps(body))])

    async def aclose(self) -> None:
        pass


def warm_overhead(supergraph: Path, iterations: int, profile_dir: Path | None) -> dict[str, Any]:
    from gateway.execute.transport import HttpTransport
    from gateway.gateway import Gateway
    from gateway.request import GraphQLRequest

    sdl = supergraph.read_text()

    async def record() -> dict[tuple[str, bytes], bytes]:
        recorder = RecordingTransport(HttpTransport())
        gateway = Gateway(sdl, transport=recorder)
        for workload in WORKLOADS.values():
            response = await gateway.execute(GraphQLRequest(query=workload["query"]))
            if response.body.get("errors"):
                raise BenchError(f"in-process recording got errors: {response.body['errors']}")
        await gateway.aclose()
        return recorder.answers

    answers = asyncio.run(record())
    out: dict[str, Any] = {}

    async def measure() -> None:
        import contextlib
        import logging
        import os

        from gateway.config import GatewayConfig
        from gateway.telemetry.settings import TelemetrySettings

        # Telemetry on: a request log line and EMF metrics per request, written to /dev/null
        # (the default log handler is created inside this redirect), interleaved with the
        # telemetry-off gateway batch by batch so the ratio comes from one run.
        devnull = open(os.devnull, "w")
        with contextlib.redirect_stdout(devnull), contextlib.redirect_stderr(devnull):
            for name, workload in WORKLOADS.items():
                transport = CannedTransport(answers)
                gateway = Gateway(sdl, transport=transport)
                observed = Gateway(sdl, GatewayConfig(telemetry=TelemetrySettings(log_level=logging.INFO, metrics="emf")),
                                   transport=CannedTransport(answers))
                request = GraphQLRequest(query=workload["query"])
                for _ in range(max(50, iterations // 10)):  # fills the parse and plan caches, warms everything
                    await gateway.execute(request)
                    await observed.execute(request)
                batches, observed_batches, prepare = [], [], []
                batch = max(1, iterations // 5)
                for _ in range(5):
                    t0 = time.perf_counter()
                    for _ in range(batch):
                        await gateway.execute(request)
                    batches.append((time.perf_counter() - t0) / batch * 1e6)
                    t0 = time.perf_counter()
                    for _ in range(batch):
                        await observed.execute(request)
                    observed_batches.append((time.perf_counter() - t0) / batch * 1e6)
                    t0 = time.perf_counter()
                    for _ in range(batch):
                        gateway._prepare(request)
                    prepare.append((time.perf_counter() - t0) / batch * 1e6)
                calls_per_request = transport.calls / (max(50, iterations // 10) + 5 * batch)
                off, on = statistics.median(batches), statistics.median(observed_batches)
                out[name] = {
                    "execute_us": round(off, 1),
                    "execute_us_batches": [round(b, 1) for b in batches],
                    "telemetry_on_us": round(on, 1),
                    "telemetry_ratio": round(on / off, 2),
                    "prepare_cached_us": round(statistics.median(prepare), 1),
                    "subgraph_calls_per_request": round(calls_per_request, 2),
                }
                if profile_dir is not None:
                    import cProfile
                    import pstats

                    profiler = cProfile.Profile()
                    profiler.enable()
                    for _ in range(batch):
                        await gateway.execute(request)
                    profiler.disable()
                    path = profile_dir / f"cprofile-{name}.txt"
                    with open(path, "w") as f:
                        stats = pstats.Stats(profiler, stream=f)
                        stats.sort_stats("tottime").print_stats(25)
                        stats.sort_stats("cumulative").print_stats(25)
                    out[name]["cprofile"] = str(path.relative_to(ROOT))
        devnull.close()

    asyncio.run(measure())
    return out


# ---------------------------------------------------------------- cold start


def cold_start(procs: Processes, supergraph: Path, repeats: int) -> dict[str, Any]:
    body = body_of(WORKLOADS["one-subgraph"]["query"])
    times: dict[str, list[float]] = {OURS: [], APOLLO: []}
    for i in range(repeats):
        order = (OURS, APOLLO) if i % 2 == 0 else (APOLLO, OURS)
        for which in order:
            port = free_port()
            url = f"http://127.0.0.1:{port}/graphql"
            argv, env, stdin_pipe = gateway_argv(which, supergraph, port)
            t0 = time.perf_counter()
            proc = procs.start(f"cold-{which}", argv, env=env, stdin_pipe=stdin_pipe)
            t1 = wait_until(lambda: answers(url, body), procs, proc, 60, f"gateway {which} (cold start)",
                            interval=0.002)
            times[which].append(round((t1 - t0) * 1000, 1))
            procs.stop(proc)
            time.sleep(0.3)
    out: dict[str, Any] = {w: {"median_ms": statistics.median(t), "runs_ms": t} for w, t in times.items()}
    out["ratio"] = round(out[OURS]["median_ms"] / out[APOLLO]["median_ms"], 2)
    return out


# ---------------------------------------------------------------- profile (py-spy)


def profile_under_load(load: Load, gateways: Gateways, seconds: float, workdir: Path) -> dict[str, Any]:
    """py-spy samples `bff serve` while wrk drives the three-subgraph workload; top functions by own time."""
    if shutil.which("py-spy") is None and not Path(sys.executable).with_name("py-spy").exists():
        return {"skipped": "py-spy not installed (pip install py-spy)"}
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    raw = workdir / "py-spy.txt"
    body = body_of(WORKLOADS["three-subgraphs"]["query"])
    pid = gateways.procs[OURS].pid
    spy_proc = subprocess.Popen([spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "200",
                                 "--format", "raw", "--output", str(raw), "--nonblocking"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    load.procs.running.append(spy_proc)
    spy_proc.bench_name = "py-spy"  # type: ignore[attr-defined]
    time.sleep(0.5)
    load.run(gateways.urls[OURS], body, seconds)
    out, _ = spy_proc.communicate(timeout=seconds + 30)
    load.procs.running.remove(spy_proc)
    if not raw.exists():
        return {"skipped": f"py-spy failed: {out.decode(errors='replace')[-500:]}"}
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [re.sub(r":\d+\)$", ")", f.strip()) for f in stack.split(";")]
        frames = [f for f in frames if not f.startswith("process ") and not f.startswith("thread ")]
        if frames:
            own[_short(frames[-1])] += n
            packages[_package(_short(frames[-1]))] += n
        for f in set(frames):
            inclusive[_short(f)] += n
    shutil.copy(raw, BENCH / "profile-bff-three-subgraphs.txt")
    top = lambda c: [{"function": f, "share": round(n / total, 3)} for f, n in c.most_common(15)]  # noqa: E731
    return {"samples": total, "own": top(own), "inclusive": top(inclusive), "own_by_package": top(packages),
            "raw": "bench/profile-bff-three-subgraphs.txt"}


def _package(frame: str) -> str:
    """"f (httpx/_client.py)" -> "httpx"; "f (stdlib/asyncio/events.py)" -> "stdlib/asyncio"; our code by folder."""
    m = re.search(r"\(([^)]*)\)$", frame)
    path = m.group(1) if m else frame
    parts = path.split("/")
    if parts[0] in ("stdlib", "gateway") and len(parts) > 2:
        return "/".join(parts[:2])
    if parts[0].startswith("<frozen importlib"):
        return "importlib (imports at run time)"
    return parts[0] if len(parts) > 1 else path


def _short(frame: str) -> str:
    frame = frame.replace(str(ROOT) + "/", "")
    return re.sub(r"\(/[^)]*/site-packages/", "(", re.sub(r"\(/[^)]*/lib/python3\.\d+/", "(stdlib/", frame))


# ---------------------------------------------------------------- report


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report(results: dict[str, Any]) -> str:
    out = []
    for phase in ("live", "replayed"):
        if phase not in results["load"]:
            continue
        out.append(f"\nLoad, {phase} subgraphs (wrk, {results['settings']['concurrency']} connections, "
                   f"{results['settings']['rounds']} x {results['settings']['duration_s']} s per gateway, A/B rounds)")
        rows = [["workload", "gateway", "req/s", "p50 ms", "p99 ms", "errors", "gw CPU µs/req"]]
        for name, r in results["load"][phase].items():
            for which in (OURS, APOLLO):
                a = r[which]
                rows.append([name, which, f"{a['rps']:.0f}", f"{a['p50_ms']:.2f}", f"{a['p99_ms']:.2f}", str(a["errors"]),
                             f"{a.get('gateway_cpu_us_per_request', 0):.0f}"])
            q = r["ratio"]
            rows.append([name, "bff/apollo", f"{q['rps']:.2f}x", f"{q['p50']:.2f}x", f"{q['p99']:.2f}x", "",
                         f"{q['cpu_per_request']:.2f}x" if q["cpu_per_request"] else ""])
        out.append(table(rows))
    if "share" in results:
        out.append("\nGateway's own share at concurrency 1 (latency through the gateway minus the same subgraph "
                   "requests sent directly; p50)")
        rows = [["workload", "gateway", "through gw µs", "subgraphs µs", "gateway µs", "gateway %"]]
        for name, r in results["share"].items():
            for which in (OURS, APOLLO):
                s = r[which]
                rows.append([name, which, f"{s['through_gateway']['p50_us']:.0f}", f"{s['subgraphs_direct']['p50_us']:.0f}",
                             f"{s['gateway_us']:.0f}", f"{s['gateway_share']:.0%}"])
        out.append(table(rows))
    if "warm_overhead" in results:
        out.append("\nWarm overhead in-process (Gateway.execute over a transport that answers instantly, cached plan)")
        rows = [["workload", "execute µs/req", "of which prepare (cache hit) µs", "subgraph calls",
                 "with logs+EMF µs", "telemetry on/off"]]
        for name, r in results["warm_overhead"].items():
            rows.append([name, f"{r['execute_us']:.1f}", f"{r['prepare_cached_us']:.1f}", f"{r['subgraph_calls_per_request']:g}",
                         f"{r['telemetry_on_us']:.1f}", f"{r['telemetry_ratio']:.2f}x"])
        out.append(table(rows))
    if "cold_start" in results:
        c = results["cold_start"]
        out.append("\nCold start (process start to first answer, median of "
                   f"{len(c[OURS]['runs_ms'])})")
        out.append(table([["gateway", "median ms", "runs ms"],
                          [OURS, f"{c[OURS]['median_ms']:.0f}", ", ".join(f"{t:.0f}" for t in c[OURS]["runs_ms"])],
                          [APOLLO, f"{c[APOLLO]['median_ms']:.0f}", ", ".join(f"{t:.0f}" for t in c[APOLLO]["runs_ms"])],
                          ["bff/apollo", f"{c['ratio']:.2f}x", ""]]))
    if results.get("profile", {}).get("own"):
        out.append(f"\npy-spy, bff serve under the three-subgraph load ({results['profile']['samples']} samples), "
                   "top functions by own time")
        out.append(table([["function", "own"]] + [[p["function"][:110], f"{p['share']:.1%}"]
                                                    for p in results["profile"]["own"][:12]]))
        out.append("\nsame samples, own time by package")
        out.append(table([["package", "own"]] + [[p["function"], f"{p['share']:.1%}"]
                                                   for p in results["profile"]["own_by_package"][:12]]))
    return "\n".join(out)


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10, help="seconds per measured load run (default 10)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load per gateway before measuring (default 3)")
    parser.add_argument("--concurrency", type=int, default=16, help="open connections (default 16)")
    parser.add_argument("--rounds", type=int, default=2, help="A/B rounds per workload (default 2)")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1: the client should use little CPU)")
    parser.add_argument("--serial", type=int, default=300, help="requests per gateway for the concurrency-1 timing (default 300)")
    parser.add_argument("--iterations", type=int, default=2000, help="Gateway.execute calls for the in-process timing")
    parser.add_argument("--cold-repeats", type=int, default=3, help="cold starts per gateway (default 3)")
    parser.add_argument("--skip", action="append", default=[], choices=["live", "replayed", "share", "warm", "cold"],
                        help="leave out a part (repeatable)")
    parser.add_argument("--profile", type=float, default=0, metavar="SECONDS",
                        help="also sample bff serve with py-spy under the three-subgraph load, and cProfile the "
                             "in-process run; writes bench/profile-*.txt")
    parser.add_argument("--bff-command", metavar="CMD",
                        help='command that stands for `bff` (gets "serve --supergraph ..."); '
                             'default: the venv\'s bff')
    parser.add_argument("--bff-env", action="append", default=[], metavar="NAME=VALUE",
                        help="environment variable for our gateway's processes only (repeatable)")
    parser.add_argument("--output", default=str(BENCH / "results.json"), help="results file (default bench/results.json)")
    args = parser.parse_args(argv)

    if shutil.which("wrk") is None:
        print("bench: wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2
    if not (ROOT / "tests" / "node" / "node_modules" / "@apollo" / "gateway").exists():
        print("bench: tests/node/node_modules lacks @apollo/gateway (cd tests/node && npm ci)", file=sys.stderr)
        return 2

    if args.bff_command:
        command = shlex.split(args.bff_command)
        if command[0] in ("python", "python3"):
            command[0] = sys.executable
        BFF_LAUNCH["command"] = command
    BFF_LAUNCH["env"] = dict(e.split("=", 1) for e in args.bff_env)

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)

    workdir = Path(tempfile.mkdtemp(prefix="bff-bench-"))
    procs = Processes(workdir)
    results: dict[str, Any] = {
        "settings": {"duration_s": args.duration, "warmup_s": args.warmup, "concurrency": args.concurrency,
                     "rounds": args.rounds, "wrk_threads": args.wrk_threads,
                     "bff_command": BFF_LAUNCH["command"], "bff_env": BFF_LAUNCH["env"]},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "node": subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip(),
                    "load_average_at_start": os.getloadavg()},
        "workloads": WORKLOADS,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    try:
        print(f"bench: logs in {workdir}", flush=True)
        subgraph_urls = start_subgraphs(procs)
        proxy, _ = start_proxy(procs, subgraph_urls)
        live = write_supergraph(workdir / "supergraph-live.graphql", subgraph_urls)
        replayed = write_supergraph(workdir / "supergraph-replayed.graphql",
                                    {name: f"{proxy}/{name}/graphql" for name in subgraph_urls})
        load = Load(procs, workdir, args)
        results["load"] = {}

        sequences: dict[str, dict[str, list]] = {}
        if "live" not in args.skip or "share" not in args.skip or args.profile:
            gateways = start_gateways(procs, live, "live")
            results["response_bytes"] = verify_identical(gateways)
            print("bench: both gateways give identical answers on the live subgraphs "
                  f"({results['response_bytes']} bytes)", flush=True)
            if "share" not in args.skip:
                results["share"] = {}
                for name, workload in WORKLOADS.items():
                    results["share"][name] = {
                        which: {"through_gateway": serial_latency(url, body_of(workload["query"]), args.serial)}
                        for which, url in gateways.urls.items()}
            if "live" not in args.skip:
                print("bench: load against live subgraphs", flush=True)
                results["load"]["live"] = load_phase(load, gateways, args, "live")
            if args.profile:
                print(f"bench: py-spy on bff serve for {args.profile:g} s", flush=True)
                results["profile"] = profile_under_load(load, gateways, args.profile, workdir)
            stop_gateways(procs, gateways)

        if "replayed" not in args.skip or "share" not in args.skip:
            gateways = start_gateways(procs, replayed, "replayed")
            for name, workload in WORKLOADS.items():
                sequences[name] = {which: plan_requests(proxy, url, body_of(workload["query"]))
                                   for which, url in gateways.urls.items()}
            results["subgraph_requests"] = {
                name: {which: [s["service"] for s in seq] for which, seq in per.items()} for name, per in sequences.items()}
            verify_identical(gateways)
            print("bench: both gateways give identical answers on the replayed subgraphs; subgraph requests per "
                  f"query: {results['subgraph_requests']}", flush=True)
            if "replayed" not in args.skip:
                print("bench: load against replayed subgraphs", flush=True)
                results["load"]["replayed"] = load_phase(load, gateways, args, "replayed")
            stop_gateways(procs, gateways)

        if "share" in results:
            for name in WORKLOADS:
                for which in (OURS, APOLLO):
                    entry = results["share"][name][which]
                    entry["subgraphs_direct"] = chain_latency(sequences[name][which], subgraph_urls, args.serial)
                    entry["gateway_us"] = round(entry["through_gateway"]["p50_us"] - entry["subgraphs_direct"]["p50_us"], 1)
                    entry["gateway_share"] = round(entry["gateway_us"] / entry["through_gateway"]["p50_us"], 3)
                results["share"][name]["ratio_gateway_us"] = round(
                    results["share"][name][OURS]["gateway_us"] / results["share"][name][APOLLO]["gateway_us"], 2)

        if "warm" not in args.skip:
            print("bench: in-process warm overhead", flush=True)
            results["warm_overhead"] = warm_overhead(live, args.iterations, BENCH if args.profile else None)

        if "cold" not in args.skip:
            print("bench: cold starts", flush=True)
            results["cold_start"] = cold_start(procs, live, args.cold_repeats)

        results["machine"]["load_average_at_end"] = os.getloadavg()
        print(report(results))
        print("\nNote: one machine runs the load generator, the subgraphs and both gateways; with "
              f"{os.cpu_count()} CPUs they compete for cores, so absolute numbers are noisy: compare the ratios.")
        Path(args.output).write_text(json.dumps(results, indent=2) + "\n")
        print(f"bench: wrote {Path(args.output).relative_to(ROOT) if Path(args.output).is_relative_to(ROOT) else args.output}")
        return 0
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nbench: interrupted; stopping everything", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip the cleanup
        procs.stop_all()
        signal.signal(signal.SIGINT, signal.default_int_handler)


if __name__ == "__main__":
    sys.exit(main())
