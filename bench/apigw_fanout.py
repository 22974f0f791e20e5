"""Cost per event of the fan-out Lambda (subscriptions on AWS) for 1, 100 and 10 000 subscribers.

    .venv/bin/python bench/apigw_fanout.py [--subscribers 1 100 10000] [--events-per-batch 1 10]

Against DynamoDB Local (the table made from deploy/data.yml), the example `courses` service over HTTP
(`course { title }` comes through `_entities`), and a loopback HTTP endpoint in a child process that
answers the Management API's `POST /@connections/{id}` (200; 410 for 1% of the connections, which the
fan-out must remove). Subscribers use four different selections; the event is for course c1 and 10% of
the subscribers watch c2 (read, not matched).
With --events-per-batch E, one invocation carries E events for course c1 (as the fan-out queue hands
them over, deploy/fanout.yml), their authors spread over the seed users.
Reported per batch: DynamoDB calls by operation, `_entities` calls by subgraph, Management API posts,
distinct runs, wall time of the fan-out (its posts included) and of its parts, and that time per
event. Not a timed test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RECORDER = r'''
import asyncio
async def serve(reader, writer):  # keep-alive HTTP/1.1: one answer per request, no body
    while True:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        lines = head.split(b"\r\n")
        length = next((int(x.split(b":")[1]) for x in lines if x.lower().startswith(b"content-length")), 0)
        await reader.readexactly(length)
        status = b"410 Gone" if b" /gone" in head.split(b"\r\n")[0].replace(b"/@connections", b"") else b"200 OK"
        writer.write(b"HTTP/1.1 " + status + b"\r\ncontent-length: 0\r\n\r\n")
async def main():
    server = await asyncio.start_server(lambda r, w: serve(r, w), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()
asyncio.run(main())
'''
SELECTIONS = ["rating body course { title }", "body author { name } course { title }",
              "id course { id title }", "rating course { title } author { id name roles }"]


def seed(table: object, count: int) -> None:
    """`count` connections with one subscription each, written in batches (BatchWriteItem)."""
    from gateway.realtime.apigw import table as t

    items = []
    expires = t._n(int(time.time() + 3600))
    for i in range(count):
        connection = f"gone{i}" if i % 100 == 98 else f"conn{i}"
        course = "c2" if i % 10 == 9 else "c1"
        query = f'subscription {{ reviewAdded(courseId: "{course}") {{ {SELECTIONS[i % 4]} }} }}'
        items.append({"pk": t._s(f"c#{connection}"), "sk": t._s("c"), "acked": {"BOOL": True},
                      "subs": t._n(1), "expires": expires})
        items.append({"pk": t._s(f"c#{connection}"), "sk": t._s("s#1"), "topic": t._s("reviewAdded"),
                      "args": t._s(t._canonical({"courseId": course})), "query": t._s(query), "expires": expires})
    api = table.api  # type: ignore[attr-defined]
    for start in range(0, len(items), 25):
        api.call("BatchWriteItem", {"RequestItems": {table.name: [  # type: ignore[attr-defined]
            {"PutRequest": {"Item": item}} for item in items[start:start + 25]]}})


async def measure(gateway: object, endpoint: str, recorder: str, count: int, per_batch: int) -> dict[str, object]:
    from gateway.realtime.apigw.fanout import fan_out
    from gateway.realtime.apigw.management import ManagementApi
    from gateway.realtime.apigw.table import SubscriptionTable
    from tests.realtime.apigw_support import create_table, eventbridge_event

    name = f"bench-{count}-{int(time.time() * 1000)}"
    create_table(endpoint, name)
    table = SubscriptionTable(name, endpoint=endpoint)
    seed(table, count)
    management = ManagementApi(recorder)
    events = [eventbridge_event("reviewAdded", {"id": f"r{99 + n}", "rating": 5, "body": f"Great {n}",
                                                "author": {"id": f"u{n % 4 + 1}", "name": "A reviewer"},
                                                "course": {"id": "c1"}}, {"courseId": "c1"})
              for n in range(per_batch)]
    started = time.perf_counter()
    result = await fan_out(gateway, table, management, events)
    elapsed = time.perf_counter() - started
    await management.aclose()
    return {"subscribers": count, "events": per_batch, "matched": result.matched, "runs": result.runs,
            "dynamodb": dict(table.calls), "entities": dict(result.entity_calls),
            "subgraph_requests": dict(result.subgraph_calls), "posts": management.calls["PostToConnection"],
            "gone_removed": result.gone, "seconds": round(elapsed, 3),
            "ms_per_event": round(elapsed * 1000 / per_batch, 1),
            "parts": {k: round(v, 3) for k, v in result.seconds.items()},
            "dynamodb_cleanup": {k: v - (1 if k == "Query" else 0) for k, v in table.calls.items()}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1, 100, 10_000])
    parser.add_argument("--events-per-batch", type=int, nargs="+", default=[1])
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_REGION="us-east-1")
    from gateway.config import GatewayConfig
    from gateway.gateway import Gateway
    from services.catalog import SERVICES
    from tests.support import dynamodb_local
    from tests.support.asgi_server import serve_in_thread

    recorder = subprocess.Popen([sys.executable, "-c", RECORDER], stdout=subprocess.PIPE, text=True)
    proc, endpoint = dynamodb_local.start()
    try:
        port = recorder.stdout.readline().strip()  # type: ignore[union-attr]
        with contextlib.ExitStack() as stack:
            urls = {s.name: stack.enter_context(serve_in_thread(s.load_app())).graphql_url for s in SERVICES
                    if s.name in ("courses", "accounts")}
            gateway = Gateway.from_file(ROOT / "services" / "supergraph.graphql",
                                        GatewayConfig(subgraph_urls=urls))
            for count in args.subscribers:
                for per_batch in args.events_per_batch:
                    print(asyncio.run(measure(gateway, endpoint, f"http://127.0.0.1:{port}", count, per_batch)),
                          flush=True)
    finally:
        dynamodb_local.stop(proc)
        recorder.terminate()


if __name__ == "__main__":
    main()
