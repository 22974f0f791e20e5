"""The connection pool: bounded size under concurrency, waiters served in order,
and no slot lost to a cancelled or failed request."""

from __future__ import annotations

import asyncio

import pytest
from raw_http_server import RawServer, respond

from gateway.execute import http11
from gateway.execute.http11 import HttpClient
from gateway.execute.http11_pool import Pool, PoolClosed


class FakeConn:
    def __init__(self) -> None:
        self.idle_since = 0.0
        self.ok = True
        self.aborted = False

    def reusable(self) -> bool:
        return self.ok and not self.aborted

    def abort(self) -> None:
        self.aborted = True


async def test_200_concurrent_requests_never_exceed_10_connections():
    async def answer(req, writer):
        await asyncio.sleep(0.005)
        writer.write(respond(b'{"data":{"n":%s}}' % req.body))
        return True

    async with RawServer(answer) as server:
        client = HttpClient(timeout=10, max_connections=10)
        results = await asyncio.gather(*(client.post(server.url, b"%d" % i) for i in range(200)))
        assert [r.body for r in results] == [b'{"data":{"n":%d}}' % i for i in range(200)]
        await client.aclose()
    assert server.max_open <= 10
    assert server.connections == 10  # the pool filled up, then reused
    assert len(server.requests) == 200


async def test_pool_is_per_origin():
    async def answer(req, writer):
        writer.write(respond(b'{"data":{}}'))
        return True

    async with RawServer(answer) as a, RawServer(answer) as b:
        client = HttpClient(timeout=5, max_connections=1)
        await asyncio.gather(*(client.post(s.url, b"{}") for s in (a, b) for _ in range(5)))
        await client.aclose()
    assert (a.connections, b.connections) == (1, 1)


async def test_waiters_time_out_while_the_pool_is_busy():
    async def answer(req, writer):
        await asyncio.sleep(0.5 if req.index == 1 and req.connection == 1 else 0)
        writer.write(respond(b'{"data":{}}'))
        return True

    async with RawServer(answer) as server:
        client = HttpClient(timeout=2, max_connections=1)
        first = asyncio.ensure_future(client.post(server.url, b"{}"))  # holds the only connection for 0.5 s
        await asyncio.sleep(0.01)
        client.timeout = 0.2
        with pytest.raises(http11.HttpTimeout):
            await client.post(server.url, b"{}")  # never got a connection
        assert (await first).status == 200
        assert (await client.post(server.url, b"{}")).status == 200  # the waiter's place did not leak
        pool = next(iter(client._pools.values()))
        assert pool.size == 1
        await client.aclose()


async def test_failed_requests_give_their_slot_back():
    async def answer(req, writer):
        writer.write(b"garbage\r\n\r\n" if req.body == b"bad" else respond(b'{"data":{}}'))
        return True

    async with RawServer(answer) as server:
        client = HttpClient(timeout=2, max_connections=2)
        outcomes = await asyncio.gather(*(client.post(server.url, b"bad" if i % 2 else b"ok") for i in range(20)),
                                        return_exceptions=True)
        assert sum(isinstance(o, http11.MalformedResponse) for o in outcomes) == 10
        assert (await client.post(server.url, b"ok")).status == 200
        pool = next(iter(client._pools.values()))
        assert pool.size <= 2
        await client.aclose()
    assert server.max_open <= 2


async def test_connection_handed_to_a_cancelled_waiter_is_not_lost():
    loop = asyncio.get_running_loop()
    pool = Pool(loop, max_size=1, idle_timeout=10)
    assert await pool.acquire() is None  # a slot: the caller opens a connection
    conn = FakeConn()
    waiter = asyncio.ensure_future(pool.acquire())
    await asyncio.sleep(0)
    pool.release(conn)  # handed to the waiter...
    waiter.cancel()  # ...which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert await pool.acquire() is conn  # it went back to the pool
    pool.free_slot()
    assert pool.size == 0


async def test_cancelled_waiter_does_not_take_a_slot():
    loop = asyncio.get_running_loop()
    pool = Pool(loop, max_size=1, idle_timeout=10)
    await pool.acquire()
    waiter = asyncio.ensure_future(pool.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    pool.free_slot()
    assert pool.size == 0
    assert await pool.acquire() is None


async def test_idle_connections_expire():
    loop = asyncio.get_running_loop()
    pool = Pool(loop, max_size=3, idle_timeout=0.05)
    conns = []
    for _ in range(2):
        assert await pool.acquire() is None
        conns.append(FakeConn())
    for conn in conns:
        pool.release(conn)
    await asyncio.sleep(0.1)
    assert await pool.acquire() is None  # both expired: a new slot
    assert all(c.aborted for c in conns)
    assert pool.size == 1


async def test_close_fails_waiters():
    loop = asyncio.get_running_loop()
    pool = Pool(loop, max_size=1, idle_timeout=10)
    await pool.acquire()
    waiter = asyncio.ensure_future(pool.acquire())
    await asyncio.sleep(0)
    pool.close()
    with pytest.raises(PoolClosed):
        await waiter
    conn = FakeConn()
    pool.release(conn)
    assert conn.aborted
