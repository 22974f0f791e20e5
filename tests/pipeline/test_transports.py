"""Resilience wraps any SubgraphTransport: retries, per-subgraph timeouts and breakers behave the same
around the native HTTP client and httpx, against a scripted real HTTP server; response headers come
back through the call object."""

from __future__ import annotations

import asyncio

import pytest

from gateway.execute.errors import SubgraphFailure
from gateway.execute.resilience import Breakers, ResilientTransport, RetryPolicy
from gateway.execute.transport import HttpxTransport, NativeTransport
from gateway.pipeline import SubgraphCall
from tests.execute.raw_http_server import RawRequest, RawServer, respond

OK = b'{"data":{"ok":true}}'
QUERY = {"query": "{ ok }"}


@pytest.fixture(params=[NativeTransport, HttpxTransport])
def inner(request):
    return request.param(timeout=5.0)


async def test_a_503_is_retried_then_answers(inner):
    async def answer(req: RawRequest, writer: asyncio.StreamWriter) -> bool:
        if len(server.requests) == 1:
            writer.write(respond(b"busy", "503 Service Unavailable", "Content-Type: text/plain\r\n"))
        else:
            writer.write(respond(OK, headers="Content-Type: application/json\r\nSet-Cookie: a=1\r\n"))
        return True

    async with RawServer(answer) as server:
        transport = ResilientTransport(inner, retry=RetryPolicy(1, 0.0, 0.0))
        call = SubgraphCall("s", server.url, QUERY)
        assert await transport.send("s", server.url, QUERY, {}, call) == {"data": {"ok": True}}
        await transport.aclose()
    assert len(server.requests) == 2
    assert call.response_headers is not None and call.response_headers["set-cookie"] == "a=1"


async def test_the_per_subgraph_timeout_applies_and_mutations_are_not_retried(inner):
    async def answer(req: RawRequest, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(3)
        return False

    async with RawServer(answer) as server:
        transport = ResilientTransport(inner, timeout=5.0, timeouts={"slow": 0.2},
                                       retry=RetryPolicy(2, 0.0, 0.0, retry_timeouts=True))
        started = asyncio.get_running_loop().time()
        with pytest.raises(SubgraphFailure, match='^Subgraph "slow" did not answer in time$'):
            await transport.send("slow", server.url, {"query": "mutation { go }"})
        assert asyncio.get_running_loop().time() - started < 1.0
        await transport.aclose()
    assert len(server.requests) == 1


async def test_an_open_breaker_fails_fast_without_calling_the_subgraph(inner):
    async def answer(req: RawRequest, writer: asyncio.StreamWriter) -> bool:
        writer.write(respond(b"down", "502 Bad Gateway", "Content-Type: text/plain\r\n"))
        return True

    async with RawServer(answer) as server:
        transport = ResilientTransport(inner, retry=None, breakers=Breakers(threshold=1, open_seconds=60))
        with pytest.raises(SubgraphFailure, match="answered HTTP 502"):
            await transport.send("s", server.url, QUERY)
        with pytest.raises(SubgraphFailure, match=r"is unavailable \(circuit open\)"):
            await transport.send("s", server.url, QUERY)
        await transport.aclose()
    assert len(server.requests) == 1
