"""The preparing thread is paced: under a flood of new documents it uses about half a core, leaving
the rest to the event loop (/health, cached requests), and the first document is not delayed."""

from __future__ import annotations

import asyncio
import time

from gateway.gateway import Gateway
from gateway.prepare_worker import MAX_REST, PrepareWorker
from gateway.request import GraphQLRequest

from .test_bounded_work import example


def _spin(seconds: float) -> float:
    """CPU-bound work for `seconds` of this thread's CPU time; returns when it started (monotonic)."""
    started, cpu = time.monotonic(), time.thread_time()
    while time.thread_time() - cpu < seconds:
        sum(range(1000))
    return started


async def test_a_flood_gets_half_a_core_and_the_first_job_starts_at_once():
    worker = PrepareWorker()
    try:
        submitted = time.monotonic()
        starts = await asyncio.gather(*(worker.run(_spin, 0.05) for _ in range(8)))
        elapsed = time.monotonic() - submitted
    finally:
        worker.shutdown()
    assert starts[0] - submitted < 0.5  # no rest before the first job (only a busy machine's delay)
    # 8 jobs of 50 ms CPU each: 0.4 s of work and, paced to half a core, at least 0.35 s of rest between them
    assert elapsed >= 0.4 + 7 * 0.05 * 0.95, f"{elapsed:.2f} s"
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.095, gaps  # each job starts after its predecessor's 50 ms and a 50 ms rest


async def test_one_long_job_does_not_stall_the_queue_for_long():
    worker = PrepareWorker()
    try:
        await worker.run(_spin, 0.6)
        before = time.monotonic()
        started = await worker.run(_spin, 0.0)
    finally:
        worker.shutdown()
    assert started - before <= MAX_REST + 0.2


async def test_big_new_documents_go_through_the_paced_worker():
    gateway: Gateway = example()
    query = "{ courses { nope } } # " + "x" * 300  # over validate_in_thread_chars: prepared off the loop
    assert gateway._prepares_off_loop(query)
    response = await gateway.execute(GraphQLRequest(query))
    assert response.body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert isinstance(gateway._worker, PrepareWorker)
    await gateway.aclose()
