"""Should prepared plans be shared across replicas? What a cold replica pays to plan vs a store round trip.

    .venv/bin/python bench/plan_share.py [--reps 20] [--audit audit.json] [--lookups 2000]

A cold replica (or Lambda container) prepares each operation once: parse and
validate the document, plan it (normalize + build the fetch nodes), compile the
response shape. Only the plan could come from a shared store: the document
must be parsed and validated anyway (a shared plan is no reason to trust a
request), and the shape is generated code (never taken from a store). So sharing
pays only if the planning step costs more than a store lookup (plus decoding and
checking the plan read back).

For each operation the steps are timed on a fresh `Gateway` (after one warm-up
operation, so lazy imports are not counted), `--reps` times. Operations: the
example graph's (services/supergraph.graphql: the benchmark's two workloads and a
screen-sized one), and with `--audit` every test query of graphql-hive's
federation-gateway-audit against its own supergraph (a JSON file
{suite: {"supergraph": SDL, "queries": [...]}} fetched from the audit's server:
`GET /tests`, `/<suite>/supergraph`, `/<suite>/tests`). Store round trips: a GET of
a 2 KB value on a real redis-server and a GetItem on DynamoDB Local, both on
loopback (so a lower bound: in a VPC add the network's).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway.gateway import Gateway  # noqa: E402

EXAMPLE = {
    "one-subgraph": "{ users { id name roles } }",
    "three-subgraphs": "{ courses { id title reviews { id rating body author { id name roles } } } }",
    "screen": """query CourseScreen($id: ID!) {
  course(id: $id) { ...CourseCard description enrollmentCount averageRating ratingSummary
    instructor { ...Person coursesTaught { ...CourseCard } }
    students { ...Person enrollments { id progress course { ...CourseCard } } }
    reviews { ...ReviewItem }
    alsoReviewed(limit: 3) { ...CourseCard instructor { ...Person } } }
  latestReviews(limit: 5) { ...ReviewItem course { ...CourseCard } }
}
fragment Person on User { id name roles }
fragment CourseCard on Course { id title averageRating instructor { id name } }
fragment ReviewItem on Review { id rating body author { ...Person reviews { id rating } } }""",
}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def time_operation(sdl: str, query: str, reps: int) -> dict[str, list[float]] | None:
    """Per step, `reps` timings (seconds) of preparing `query` on a fresh gateway; None if it does not plan."""
    from graphql import print_ast

    from gateway.operation.normalize import Normalizer
    from gateway.operation.prepare import RequestError, prepare_document, select_operation
    from gateway.plan.build import build_plan
    from gateway.shape import compile_shape

    steps: dict[str, list[float]] = {"document": [], "plan": [], "shape": []}
    for _ in range(reps):
        gateway = Gateway(sdl)
        prepare_document(gateway.api_schema, "{ __typename }", gateway.config.limits)  # warm-up: lazy imports
        try:
            t0 = time.perf_counter()
            document = prepare_document(gateway.api_schema, query, gateway.config.limits)
            operation = select_operation(document, None)
            t1 = time.perf_counter()
            kind = operation.operation.value
            selection = Normalizer(gateway.supergraph, document.fragments, {"id": "c1"}).selection(
                gateway.supergraph.root_type(kind), operation.selection_set)
            definitions = {d.variable.name.value: print_ast(d) for d in operation.variable_definitions or ()}
            build_plan(gateway.supergraph, gateway.field_sets, kind, selection, definitions,
                       operation.name.value if operation.name else None)
            t2 = time.perf_counter()
            compile_shape(gateway.api_schema, operation, document.fragments, {"id": "c1"})
            t3 = time.perf_counter()
        except (RequestError, Exception):  # an audit query that is meant to fail (invalid on purpose)
            return None
        steps["document"].append(t1 - t0)
        steps["plan"].append(t2 - t1)
        steps["shape"].append(t3 - t2)
    return steps


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"p50": _ms(statistics.median(ordered)), "p99": _ms(p99), "n": len(ordered)}


async def redis_round_trips(n: int) -> list[float]:
    import redis.asyncio

    from tests.support import redis_server

    proc, url = redis_server.start()
    try:
        client = redis.asyncio.Redis.from_url(url)
        await client.set("bff:plan:x", "x" * 2048)
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            await client.get("bff:plan:x")
            times.append(time.perf_counter() - t0)
        await client.aclose()
        return times
    finally:
        redis_server.stop(proc)


async def dynamodb_round_trips(n: int) -> list[float]:
    from gateway.shared_cache.dynamodb import DynamoDBCache
    from tests.support import dynamodb_local

    proc, endpoint = dynamodb_local.start()
    try:
        store = DynamoDBCache.from_url(f"dynamodb://plans?endpoint={endpoint}&create=1&timeout=5")
        await asyncio.to_thread(store._put_item, "plan#x", "x" * 2048)
        for _ in range(50):  # the JVM warms up
            await store.get("plan", "x")
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            await store.get("plan", "x")
            times.append(time.perf_counter() - t0)
        await store.aclose()
        return times
    finally:
        dynamodb_local.stop(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--audit", type=Path, help="the audit's suites as JSON (see the module docstring)")
    parser.add_argument("--lookups", type=int, default=2000)
    args = parser.parse_args()

    results: dict[str, Any] = {"example": {}, "audit": {}}
    sdl = (ROOT / "services" / "supergraph.graphql").read_text()
    for name, query in EXAMPLE.items():
        steps = time_operation(sdl, query, args.reps)
        assert steps is not None, name
        results["example"][name] = {step: percentiles(v) for step, v in steps.items()}
        print(name, json.dumps(results["example"][name]), flush=True)
    if args.audit:
        plan_times: list[float] = []
        totals: list[float] = []
        skipped = 0
        suites = json.loads(args.audit.read_text())
        for suite in suites.values():
            for query in suite["queries"]:
                steps = time_operation(suite["supergraph"], query, max(1, args.reps // 4))
                if steps is None:
                    skipped += 1
                    continue
                plan_times.append(statistics.median(steps["plan"]))
                totals.append(statistics.median([sum(s) for s in zip(*steps.values(), strict=True)]))
        results["audit"] = {"operations": len(plan_times), "not planned (invalid on purpose)": skipped,
                            "plan": percentiles(plan_times), "prepare total": percentiles(totals)}
        print("audit", json.dumps(results["audit"]), flush=True)
    results["redis GET"] = percentiles(asyncio.run(redis_round_trips(args.lookups)))
    print("redis GET", json.dumps(results["redis GET"]), flush=True)
    results["dynamodb GetItem"] = percentiles(asyncio.run(dynamodb_round_trips(args.lookups)))
    print("dynamodb GetItem", json.dumps(results["dynamodb GetItem"]), flush=True)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
