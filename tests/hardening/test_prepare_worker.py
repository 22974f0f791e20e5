"""The preparing thread is paced: under a flood of new documents it uses about half a core, leaving
the rest to the event loop (/health, cached requests), and the first document is not delayed."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from gateway.gateway import Gateway
from gateway.prepare_worker import MAX_REST, Busy, ClientGone, PrepareWorker
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


async def test_past_the_queue_bound_a_job_is_refused_after_a_pause_and_the_burst_logged_once(caplog):
    worker = PrepareWorker(queue=2, pause=0.0)
    caplog.set_level(logging.WARNING, logger="bff.prepare")
    try:
        accepted = [asyncio.ensure_future(worker.run(_spin, 0.2)) for _ in range(3)]  # one runs, two wait
        await asyncio.sleep(0.05)
        for _ in range(5):
            before = time.monotonic()
            with pytest.raises(Busy) as refused:
                await worker.run(_spin, 0.0)
            assert time.monotonic() - before < 0.05
        assert refused.value.status == 503 and refused.value.errors[0]["extensions"]["code"] == "SERVER_BUSY"
        assert int(refused.value.headers["retry-after"]) >= 1
        await asyncio.gather(*accepted)
        await worker.run(_spin, 0.0)  # the queue is empty again: the burst is over
    finally:
        worker.shutdown()
    messages = [r.getMessage() for r in caplog.records if r.name == "bff.prepare"]
    assert len(messages) == 2, messages
    assert "refusing big new documents" in messages[0]
    assert "5 requests were refused" in messages[1]
    assert worker.refused == 5 and worker.waiting == 0


async def test_refusals_are_answered_after_a_pause_that_costs_no_cpu():
    """Clients that resend at once after a refusal must not loop on cheap refusals: each waits the pause,
    side by side (timers, not the thread), and nothing of theirs is prepared."""
    worker = PrepareWorker(queue=1, pause=0.3)
    ran: list[int] = []
    try:
        accepted = [asyncio.ensure_future(worker.run(_spin, 0.2)) for _ in range(2)]  # one runs, one waits
        await asyncio.sleep(0.05)
        before = time.monotonic()
        outcomes = await asyncio.gather(*(worker.run(ran.append, i) for i in range(5)), return_exceptions=True)
        took = time.monotonic() - before
        assert all(isinstance(o, Busy) for o in outcomes), outcomes
        assert 0.3 <= took < 0.6, took  # one pause for all five, not five in a row
        await asyncio.gather(*accepted)
        assert worker.started == 2 and worker.refused == 5  # the thread ran only the accepted jobs
    finally:
        worker.shutdown()
    assert ran == []


async def test_a_job_that_waited_too_long_is_refused_instead_of_run():
    worker = PrepareWorker(wait=0.1)
    ran: list[int] = []
    try:
        first = asyncio.ensure_future(worker.run(_spin, 0.3))
        await asyncio.sleep(0.02)
        with pytest.raises(Busy, match="waited"):
            await worker.run(ran.append, 1)
        await first
    finally:
        worker.shutdown()
    assert ran == []


async def test_a_job_whose_caller_left_while_it_waited_is_dropped_unrun():
    worker = PrepareWorker()
    ran: list[int] = []
    gone = asyncio.Event()
    try:
        first = asyncio.ensure_future(worker.run(_spin, 0.3))
        await asyncio.sleep(0.02)
        waiting = asyncio.ensure_future(worker.run(ran.append, 1, gone=gone.wait))
        cancelled = asyncio.ensure_future(worker.run(ran.append, 2))
        await asyncio.sleep(0.02)
        assert worker.waiting == 2
        gone.set()
        cancelled.cancel()  # a caller cancelled (e.g. its server shutting down) leaves the queue too
        with pytest.raises(ClientGone):
            await waiting
        await first
        await worker.run(ran.append, 3)
    finally:
        worker.shutdown()
    assert ran == [3] and worker.dropped == 2 and worker.waiting == 0
