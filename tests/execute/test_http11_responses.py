"""The HTTP/1.1 client against a scripted raw server: framing, interim answers,
connection reuse and every way an answer can go wrong."""

from __future__ import annotations

import asyncio
import gzip

import orjson
import pytest
from raw_http_server import RawRequest, RawServer, reset, respond

from gateway.execute import http11
from gateway.execute.errors import SubgraphFailure
from gateway.execute.http11 import HttpClient
from gateway.execute.transport import HttpTransport

OK = b'{"data":{"ok":true}}'


async def always(body: bytes = OK):
    async def answer(req: RawRequest, writer: asyncio.StreamWriter) -> bool:
        writer.write(respond(body))
        return True

    return answer


async def test_request_bytes_on_the_wire():
    async with RawServer(await always()) as server:
        client = HttpClient(timeout=5)
        await client.post(server.url + "?x=1", b'{"query":"{a}"}',
                          {"authorization": "Bearer t", "Content-Length": "999", "Host": "evil", "Connection": "close"})
        await client.aclose()
    req = server.requests[0]
    lines = req.head.decode().split("\r\n")
    assert lines[0] == "POST /graphql?x=1 HTTP/1.1"
    assert req.header("host") == f"127.0.0.1:{server.port}"
    assert req.header("content-type") == "application/json"
    assert req.header("accept") == "application/graphql-response+json, application/json"
    assert req.header("content-length") == "15"
    assert req.header("authorization") == "Bearer t"
    assert req.header("connection") is None  # caller cannot change framing
    assert sum(1 for line in lines if line.lower().startswith("host:")) == 1
    assert req.body == b'{"query":"{a}"}'


async def test_header_injection_is_refused():
    async with RawServer(await always()) as server:
        client = HttpClient(timeout=5)
        with pytest.raises(http11.InvalidRequest):
            await client.post(server.url, b"{}", {"x-a": "b\r\nx-evil: 1"})
        await client.aclose()
    assert server.requests == []


async def test_keep_alive_reuses_one_connection():
    async with RawServer(await always()) as server:
        client = HttpClient(timeout=5)
        for _ in range(20):
            response = await client.post(server.url, b"{}")
            assert (response.status, response.body) == (200, OK)
        await client.aclose()
    assert server.connections == 1


async def test_chunked_body_with_extensions_and_trailers():
    async def answer(req, writer):
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n")
        writer.write(b"4;name=value\r\n{\"da\r\n")
        writer.write(b"10\r\nta\":{\"ok\":true}}\r\n")
        writer.write(b"0\r\nX-Trailer: 1\r\n\r\n")
        return True

    async with RawServer(answer) as server:
        client = HttpClient(timeout=5)
        for _ in range(3):
            response = await client.post(server.url, b"{}")
            assert orjson.loads(response.body) == {"data": {"ok": True}}
        await client.aclose()
    assert server.connections == 1  # the chunked framing left the connection reusable


async def test_connection_close_answer_is_not_reused():
    async def answer(req, writer):
        writer.write(respond(OK, headers="Connection: close\r\n"))
        return False

    async with RawServer(answer) as server:
        client = HttpClient(timeout=5)
        for _ in range(3):
            assert (await client.post(server.url, b"{}")).body == OK
        await client.aclose()
    assert server.connections == 3
    assert [r.index for r in server.requests] == [1, 1, 1]


async def test_http10_answer_read_to_eof():
    async def answer(req, writer):
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n")
        writer.write(OK[:5])
        await asyncio.sleep(0.01)
        writer.write(OK[5:])
        return False

    async with RawServer(answer) as server:
        client = HttpClient(timeout=5)
        assert (await client.post(server.url, b"{}")).body == OK
        assert (await client.post(server.url, b"{}")).body == OK
        await client.aclose()
    assert server.connections == 2


async def test_interim_1xx_answers_are_skipped():
    async def answer(req, writer):
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        writer.write(b"HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n")
        writer.write(respond(OK))
        return True

    async with RawServer(answer) as server:
        client = HttpClient(timeout=5)
        for _ in range(2):
            response = await client.post(server.url, b"{}")
            assert (response.status, response.body) == (200, OK)
        await client.aclose()
    assert server.connections == 1


async def test_answer_split_into_one_byte_writes():
    body = orjson.dumps({"data": {"items": list(range(50))}})

    async def answer(req, writer):
        payload = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        payload += b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        if req.index == 2:
            payload = respond(body)
        for i in range(len(payload)):
            writer.write(payload[i : i + 1])
            await writer.drain()
            if i % 16 == 0:
                await asyncio.sleep(0)
        return True

    async with RawServer(answer) as server:
        client = HttpClient(timeout=5)
        assert (await client.post(server.url, b"{}")).body == body
        assert (await client.post(server.url, b"{}")).body == body
        await client.aclose()
    assert server.connections == 1


async def test_gzip_body_is_decoded():
    async def answer(req, writer):
        writer.write(respond(gzip.compress(OK), headers="Content-Encoding: gzip\r\n"))
        return True

    async with RawServer(answer) as server:
        client = HttpClient(timeout=5)
        assert (await client.post(server.url, b"{}")).body == OK
        await client.aclose()


async def test_no_content_answer_has_no_body():
    async def answer(req, writer):
        writer.write(b"HTTP/1.1 204 No Content\r\n\r\n" if req.index == 1 else respond(OK))
        return True

    async with RawServer(answer) as server:
        client = HttpClient(timeout=5)
        assert (await client.post(server.url, b"{}")).status == 204
        assert (await client.post(server.url, b"{}")).body == OK
        await client.aclose()
    assert server.connections == 1


# -- stale keep-alive connections ------------------------------------------------------


async def test_server_closing_idle_connections():
    """The server drops idle connections after 50 ms; later requests still succeed."""

    async def answer(req, writer):
        writer.write(respond(OK))
        await writer.drain()
        asyncio.get_running_loop().call_later(0.05, writer.close)
        return True

    async with RawServer(answer) as server:
        client = HttpClient(timeout=5)
        for _ in range(3):
            assert (await client.post(server.url, b"{}")).body == OK
            await asyncio.sleep(0.1)
        await client.aclose()
    assert server.connections == 3


async def test_stale_connection_is_retried_once_transparently():
    """The server closes a kept-alive connection as the next request arrives (the
    keep-alive race): the client never got a byte, so it retries on a new connection."""

    async def answer(req, writer):
        if req.index > 1:
            writer.close()
            return False
        writer.write(respond(OK))
        return True

    async with RawServer(answer) as server:
        client = HttpClient(timeout=5)
        assert (await client.post(server.url, b"{}")).body == OK
        assert (await client.post(server.url, b"{}")).body == OK  # reused, closed, retried
        await client.aclose()
    assert [(r.connection, r.index) for r in server.requests] == [(1, 1), (1, 2), (2, 1)]


async def test_stale_retry_happens_only_once():
    async def answer(req, writer):
        if req.connection == 1 and req.index == 1:
            writer.write(respond(OK))
            return True
        reset(writer)  # every later request: connection reset, no answer
        return False

    async with RawServer(answer) as server:
        client = HttpClient(timeout=5)
        await client.post(server.url, b"{}")
        with pytest.raises(http11.ConnectFailed):
            await client.post(server.url, b"{}")
        await client.aclose()
    assert [(r.connection, r.index) for r in server.requests] == [(1, 1), (1, 2), (2, 1)]


async def test_fresh_connection_closed_without_answer_is_not_retried():
    async def answer(req, writer):
        writer.close()
        return False

    async with RawServer(answer) as server:
        transport = HttpTransport(timeout=5)
        with pytest.raises(SubgraphFailure, match='^Subgraph "products" could not be reached$'):
            await transport.send("products", server.url, {"query": "{a}"})
        await transport.aclose()
    assert len(server.requests) == 1


async def test_reset_mid_body_fails_without_retry():
    async def answer(req, writer):
        if req.index == 1:
            writer.write(respond(OK))
            return True
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + OK[:10])
        await writer.drain()
        await asyncio.sleep(0.02)
        reset(writer)
        return False

    async with RawServer(answer) as server:
        transport = HttpTransport(timeout=5)
        await transport.send("products", server.url, {"query": "{a}"})
        with pytest.raises(SubgraphFailure, match='^Subgraph "products" could not be reached$'):
            await transport.send("products", server.url, {"query": "{a}"})
        await transport.aclose()
    assert len(server.requests) == 2  # the reused connection had started answering: no retry


async def test_eof_before_content_length_is_complete_fails():
    async def answer(req, writer):
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + OK)
        return False

    async with RawServer(answer) as server:
        client = HttpClient(timeout=5)
        with pytest.raises(http11.ConnectFailed):
            await client.post(server.url, b"{}")
        await client.aclose()
    assert len(server.requests) == 1


# -- timeouts ---------------------------------------------------------------------------


async def test_hanging_server_times_out_and_connection_is_dropped():
    async def answer(req, writer):
        if req.connection == 1 and req.index == 2:
            await asyncio.sleep(3)  # never answers in time
            return False
        writer.write(respond(OK))
        return True

    async with RawServer(answer) as server:
        transport = HttpTransport(timeout=0.3)
        await transport.send("reviews", server.url, {"query": "{a}"})
        started = asyncio.get_running_loop().time()
        with pytest.raises(SubgraphFailure, match='^Subgraph "reviews" did not answer in time$'):
            await transport.send("reviews", server.url, {"query": "{a}"})
        assert asyncio.get_running_loop().time() - started < 1.0
        assert await transport.send("reviews", server.url, {"query": "{a}"}) == {"data": {"ok": True}}
        await transport.aclose()
    assert [(r.connection, r.index) for r in server.requests] == [(1, 1), (1, 2), (2, 1)]


async def test_slow_drip_is_bounded_by_one_overall_deadline():
    """A server that keeps sending a byte now and then cannot stretch the deadline."""

    async def answer(req, writer):
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(100):
            writer.write(b" ")
            await asyncio.sleep(0.05)
        return False

    async with RawServer(answer) as server:
        client = HttpClient(timeout=0.4)
        started = asyncio.get_running_loop().time()
        with pytest.raises(http11.HttpTimeout):
            await client.post(server.url, b"{}")
        assert asyncio.get_running_loop().time() - started < 1.0
        await client.aclose()


async def test_connect_refused_is_unreachable():
    async with RawServer(await always()) as server:
        url = server.url
    transport = HttpTransport(timeout=2)
    with pytest.raises(SubgraphFailure) as failure:
        await transport.send("accounts", url, {"query": "{a}"})
    assert str(failure.value) == 'Subgraph "accounts" could not be reached'
    assert "127.0.0.1" not in str(failure.value)
    await transport.aclose()


# -- what the transport makes of an answer -----------------------------------------------


@pytest.mark.parametrize(
    "payload, expected",
    [
        (respond(b"not json"), 'Subgraph "s" answered something that is not a GraphQL response'),
        (respond(b'{"foo": 1}'), 'Subgraph "s" answered something that is not a GraphQL response'),
        (respond(b"<html>oops</html>", "500 Internal Server Error", "Content-Type: text/html\r\n"),
         'Subgraph "s" answered HTTP 500'),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n", 'Subgraph "s" answered more than the gateway accepts'),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}", 'Subgraph "s" answered something that is not a GraphQL response'),
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", 'Subgraph "s" answered something that is not a GraphQL response'),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 'Subgraph "s" answered something that is not a GraphQL response'),
    ],
    ids=["non-json", "json-not-graphql", "500-html", "oversized-declared", "conflicting-length", "not-http", "bad-chunk"],
)
async def test_unusable_answers_fail(payload: bytes, expected: str):
    async def answer(req, writer):
        writer.write(payload)
        return True

    async with RawServer(answer) as server:
        transport = HttpTransport(timeout=2)
        with pytest.raises(SubgraphFailure) as failure:
            await transport.send("s", server.url, {"query": "{a}"})
        assert str(failure.value) == expected
        await transport.aclose()


async def test_500_with_a_graphql_body_is_returned():
    body = b'{"errors":[{"message":"boom"}],"data":null}'

    async def answer(req, writer):
        writer.write(respond(body, "500 Internal Server Error"))
        return True

    async with RawServer(answer) as server:
        transport = HttpTransport(timeout=2)
        assert await transport.send("s", server.url, {"query": "{a}"}) == {"errors": [{"message": "boom"}], "data": None}
        await transport.aclose()


async def test_oversized_chunked_and_eof_bodies_are_refused():
    big = b"x" * 5000

    async def answer(req, writer):
        if req.connection == 1:
            writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for _ in range(3):
                writer.write(b"%x\r\n%s\r\n" % (len(big), big))
        else:
            writer.write(b"HTTP/1.0 200 OK\r\n\r\n" + big * 3)
        await writer.drain()
        await asyncio.sleep(0.2)
        return False

    async with RawServer(answer) as server:
        client = HttpClient(timeout=2, max_response_bytes=10_000)
        for _ in range(2):
            with pytest.raises(http11.ResponseTooLarge):
                await client.post(server.url, b"{}")
        await client.aclose()
    assert server.connections == 2


async def test_unsolicited_bytes_on_an_idle_connection_drop_it():
    async def answer(req, writer):
        writer.write(respond(OK))
        if req.index == 1:
            await writer.drain()
            await asyncio.sleep(0.02)
            writer.write(b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n")
        return True

    async with RawServer(answer) as server:
        client = HttpClient(timeout=2)
        assert (await client.post(server.url, b"{}")).body == OK
        await asyncio.sleep(0.1)
        assert (await client.post(server.url, b"{}")).body == OK
        await client.aclose()
    assert server.connections == 2


async def test_aclose_closes_pooled_connections():
    async with RawServer(await always()) as server:
        client = HttpClient(timeout=2)
        await client.post(server.url, b"{}")
        await client.aclose()
        for _ in range(50):
            if server.closed_by_peer:
                break
            await asyncio.sleep(0.01)
        assert server.closed_by_peer == 1
        assert (await client.post(server.url, b"{}")).body == OK  # usable again, on a new connection
        await client.aclose()
    assert server.connections == 2
