"""APQ hit rates with several simulated Lambda containers, with and without the shared store.

    .venv/bin/python bench/apq_containers.py [--containers 3] [--documents 30] [--requests 900] [--recycle 300]

Each "container" is its own `Gateway` (its own in-process APQ LRU, as a Lambda
container has), in front of the example subgraphs (real uvicorn processes). A
client population behaves as Apollo's APQ link does: it sends the hash alone,
and on PERSISTED_QUERY_NOT_FOUND sends the document with its hash (a second
round trip). Each request goes to a random container (how Lambda spreads
concurrent requests); every `--recycle` requests one container is replaced by a
cold one (Lambda recycles containers). The run is repeated with every container
backed by one shared store (DynamoDB Local, `persisted_documents.apq.shared_store`),
then by a real redis-server. Needs java, tests/dynamodb/node_modules and
redis-server (scripts/test installs them).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import Processes, start_subgraphs  # noqa: E402
from gateway.config import GatewayConfig  # noqa: E402
from gateway.gateway import Gateway  # noqa: E402
from gateway.request import GraphQLRequest  # noqa: E402
from tests.support import dynamodb_local, redis_server  # noqa: E402

SUPERGRAPH = (ROOT / "services" / "supergraph.graphql").read_text()


def documents(n: int) -> list[tuple[str, str]]:
    docs = [f"query Screen{i} {{ users {{ id name }} }}" for i in range(n)]
    return [(d, hashlib.sha256(d.encode()).hexdigest()) for d in docs]


async def simulate(args: argparse.Namespace, urls: dict[str, str], store: str | None) -> dict[str, float]:
    config = GatewayConfig(subgraph_urls=urls, apq_shared_store=store)
    rng = random.Random(args.seed)
    docs = documents(args.documents)
    weights = [1 / (i + 1) for i in range(len(docs))]  # a few screens are much more popular (Zipf)
    containers = [Gateway(SUPERGRAPH, config) for _ in range(args.containers)]
    hash_only = not_found = failed = cold = 0
    started = time.perf_counter()
    for i in range(args.requests):
        if i and args.recycle and i % args.recycle == 0:
            slot = rng.randrange(len(containers))
            await containers[slot].aclose()
            containers[slot] = Gateway(SUPERGRAPH, config)
            cold += 1
        gateway = rng.choice(containers)
        doc, sha = rng.choices(docs, weights)[0]
        ext = {"persistedQuery": {"version": 1, "sha256Hash": sha}}
        hash_only += 1
        response = await gateway.execute(GraphQLRequest(None, extensions=ext))
        errors = response.body.get("errors") or []
        if errors and errors[0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND":
            not_found += 1
            response = await gateway.execute(GraphQLRequest(doc, extensions=ext))
            if store:
                await asyncio.sleep(0.005)  # the write is in the background; a real client's next request is later
        if response.body.get("errors") or not response.body.get("data"):
            failed += 1
    elapsed = time.perf_counter() - started
    for gateway in containers:
        await gateway.aclose()
    return {"requests": hash_only, "not_found": not_found, "hit_rate": round(1 - not_found / hash_only, 3),
            "extra_round_trips_per_100": round(100 * not_found / hash_only, 1), "failed": failed,
            "containers_recycled": cold, "seconds": round(elapsed, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--containers", type=int, default=3)
    parser.add_argument("--documents", type=int, default=30)
    parser.add_argument("--requests", type=int, default=900)
    parser.add_argument("--recycle", type=int, default=300, help="replace one container every N requests (0: never)")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    procs = Processes(Path(tempfile.mkdtemp(prefix="bff-apq-")))
    dynamo = redis = None
    try:
        urls = start_subgraphs(procs)
        dynamo, endpoint = dynamodb_local.start()
        table = f"dynamodb://bff-apq-bench?endpoint={endpoint}&create=1&timeout=2"
        from gateway.shared_cache import DynamoDBCache

        DynamoDBCache.from_url(table)._get_item("warm-up")  # table created, DynamoDB Local warmed up
        redis, redis_url = redis_server.start()
        for label, store in (("in-process only", None), ("shared store (DynamoDB Local)", table),
                             ("shared store (redis-server)", f"{redis_url}?timeout=2")):
            result = asyncio.run(simulate(args, urls, store))
            print(f"{label:<32} {result}", flush=True)
    finally:
        if dynamo is not None:
            dynamodb_local.stop(dynamo)
        if redis is not None:
            redis_server.stop(redis)
        for proc in list(procs.running):
            procs.stop(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
