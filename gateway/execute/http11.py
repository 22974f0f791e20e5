"""A small asyncio HTTP/1.1 client for POSTing JSON to subgraphs.

Why not httpx: under load about half the gateway's CPU went to httpx, httpcore
and anyio (per-request pool checks, locks, backend detection), and importing
httpx added ~190 ms to a Lambda cold start. A subgraph call is always the same
shape, one POST with a JSON body and a JSON answer, so this client does only
that: a `Connection` is an asyncio.Protocol with an incremental response parser
(one await per exchange), kept alive in a bounded per-origin `Pool`.

What it handles: Content-Length, chunked and read-to-EOF bodies, `Connection:
close` and HTTP/1.0 answers (never reused), 1xx interim responses (skipped),
gzip/deflate bodies, a cap on response size, one overall deadline per request
(connect, write and read), and one transparent retry when a reused keep-alive
connection turns out to have been closed before any byte of the answer arrived
(the server cannot have processed the request). Anything else fails the request
and closes its connection; nothing is retried twice.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import zlib
from typing import NamedTuple
from urllib.parse import urlsplit

from .http11_pool import Pool, PoolClosed

MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_HEAD_BYTES = 64 * 1024
MAX_CHUNK_LINE = 1024
IDLE_TIMEOUT = 4.0


class HttpError(Exception):
    """The exchange failed; the connection has been closed."""


class ConnectFailed(HttpError):
    """No connection, or it broke before a complete answer arrived."""


class HttpTimeout(HttpError):
    """The request's deadline passed (connecting, waiting for the pool, sending or reading)."""


class MalformedResponse(HttpError):
    """The peer's bytes are not an HTTP/1.x response we accept."""


class ResponseTooLarge(HttpError):
    """The answer is bigger than the client's cap."""


class InvalidRequest(HttpError):
    """The URL or a header cannot be sent (unsupported scheme, CR/LF in a header)."""


class Response(NamedTuple):
    status: int
    headers: dict[str, str]  # lower-cased names; repeated fields joined with ", " (Set-Cookie: "\n")
    body: bytes  # content codings (gzip, deflate) already removed


class _Lost(ConnectFailed):
    """The connection closed or reset mid-exchange; `started` if any answer byte had arrived."""

    def __init__(self, started: bool) -> None:
        super().__init__("connection lost")
        self.started = started


class _Target(NamedTuple):
    origin: tuple[str, str, int]
    host: str
    port: int
    tls: bool
    head: bytes  # "POST <target> HTTP/1.1\r\nHost: ...\r\n" plus the fixed headers


# Parser states
_HEAD, _LENGTH, _CHUNK_SIZE, _CHUNK_DATA, _TRAILER, _TO_EOF, _IDLE = range(7)


class Connection(asyncio.Protocol):
    """One HTTP/1.1 connection; one request at a time, answered through a future."""

    def __init__(self, loop: asyncio.AbstractEventLoop, max_body: int) -> None:
        self.loop = loop
        self.max_body = max_body
        self.transport: asyncio.Transport | None = None
        self.idle_since = 0.0
        self.closed = False
        self._keep_alive = False
        self._waiter: asyncio.Future[Response] | None = None
        self._buf = bytearray()
        self._state = _IDLE
        self._started = False
        self._remaining = 0
        self._status = 0
        self._headers: dict[str, str] = {}
        self._chunks: list[bytes] = []
        self._body_size = 0

    # -- asyncio.Protocol -------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except (OSError, AttributeError):
                pass

    def data_received(self, data: bytes) -> None:
        if self._waiter is None or self._waiter.done():
            # Bytes nobody asked for (e.g. a server's "408 Request Timeout" on an idle
            # connection): the connection's framing can no longer be trusted.
            self.abort()
            return
        self._started = True
        self._buf += data
        try:
            self._parse()
        except HttpError as error:
            self._fail(error)

    def eof_received(self) -> bool:
        if self._state == _TO_EOF and self._waiter is not None and not self._waiter.done():
            body = bytes(self._buf)
            self._buf.clear()
            self._finish(body)
        self.closed = True
        self._fail(_Lost(self._started))
        return False  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(_Lost(self._started))

    # -- used by the client and the pool ------------------------------------

    async def request(self, data: bytes) -> Response:
        """Send one request and wait for its complete answer."""
        if self.closed or self.transport is None:
            raise _Lost(False)
        waiter: asyncio.Future[Response] = self.loop.create_future()
        self._waiter = waiter
        self._started = False
        self._state = _HEAD
        self._keep_alive = False
        self.transport.write(data)
        return await waiter

    def reusable(self) -> bool:
        return not self.closed and self._keep_alive and self._state == _IDLE and not self._buf

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            try:
                self.transport.abort()
            except RuntimeError:
                pass  # its event loop is already closed (the client moved to a new loop)

    # -- parsing ------------------------------------------------------------

    def _parse(self) -> None:
        buf = self._buf
        while True:
            state = self._state
            if state == _HEAD:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    if len(buf) > MAX_HEAD_BYTES:
                        raise MalformedResponse("response head too large")
                    return
                head = bytes(buf[:end])
                del buf[: end + 4]
                self._start_body(head)
            elif state == _LENGTH:
                n = self._remaining
                if len(buf) < n:
                    return
                body = bytes(buf[:n])
                del buf[:n]
                self._finish(body)
                return
            elif state == _CHUNK_SIZE:
                end = buf.find(b"\r\n")
                if end < 0:
                    if len(buf) > MAX_CHUNK_LINE:
                        raise MalformedResponse("chunk size line too long")
                    return
                size = _chunk_size(bytes(buf[:end]))
                del buf[: end + 2]
                if size == 0:
                    self._state = _TRAILER
                else:
                    self._body_size += size
                    if self._body_size > self.max_body:
                        raise ResponseTooLarge()
                    self._remaining = size
                    self._state = _CHUNK_DATA
            elif state == _CHUNK_DATA:
                n = self._remaining
                if len(buf) < n + 2:
                    return
                if buf[n : n + 2] != b"\r\n":
                    raise MalformedResponse("chunk not followed by CRLF")
                self._chunks.append(bytes(buf[:n]))
                del buf[: n + 2]
                self._state = _CHUNK_SIZE
            elif state == _TRAILER:
                if buf[:2] == b"\r\n":
                    del buf[:2]
                else:
                    end = buf.find(b"\r\n\r\n")
                    if end < 0:
                        if len(buf) > MAX_HEAD_BYTES:
                            raise MalformedResponse("trailers too large")
                        return
                    del buf[: end + 4]  # trailer fields are ignored
                body = b"".join(self._chunks)
                self._chunks = []
                self._finish(body)
                return
            elif state == _TO_EOF:
                if len(buf) > self.max_body:
                    raise ResponseTooLarge()
                return
            else:
                return

    def _start_body(self, head: bytes) -> None:
        lines = head.split(b"\r\n")
        minor, status = _status_line(lines[0])
        if 100 <= status < 200:
            if status == 101:
                raise MalformedResponse("unexpected protocol switch")
            return  # interim answer (100 Continue, 103 Early Hints): the real one follows
        headers = _header_fields(lines)
        self._status = status
        self._headers = headers
        connection = headers.get("connection", "").lower()
        self._keep_alive = minor == 1 and "close" not in connection
        coding = headers.get("transfer-encoding")
        if status == 204 or status == 304:
            self._finish(b"")
        elif coding is not None:
            if coding.strip().lower() != "chunked":
                raise MalformedResponse("unsupported transfer coding")
            if "content-length" in headers:
                self._keep_alive = False  # both framings sent: chunked wins, but trust the connection no further
            self._body_size = 0
            self._chunks = []
            self._state = _CHUNK_SIZE
        elif "content-length" in headers:
            length = _content_length(headers["content-length"])
            if length > self.max_body:
                raise ResponseTooLarge()
            self._remaining = length
            self._state = _LENGTH
        else:
            self._keep_alive = False
            self._state = _TO_EOF

    def _finish(self, body: bytes) -> None:
        self._state = _IDLE
        waiter, self._waiter = self._waiter, None
        if self._buf:  # bytes beyond the answer: framing is off, do not reuse
            self._keep_alive = False
        if waiter is not None and not waiter.done():
            waiter.set_result(Response(self._status, self._headers, body))

    def _fail(self, error: HttpError) -> None:
        waiter, self._waiter = self._waiter, None
        self._keep_alive = False
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)
            self.abort()


def _status_line(line: bytes) -> tuple[int, int]:
    """(minor version, status) from "HTTP/1.1 200 OK"."""
    parts = line.split(b" ", 2)
    if len(parts) < 2 or parts[0] not in (b"HTTP/1.1", b"HTTP/1.0") or len(parts[1]) != 3 or not parts[1].isdigit():
        raise MalformedResponse("bad status line")
    return (1 if parts[0] == b"HTTP/1.1" else 0), int(parts[1])


def _header_fields(lines: list[bytes]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip() or b"\n" in line or b"\r" in line:
            raise MalformedResponse("bad header field")
        key = name.decode("latin-1").lower()
        text = value.strip().decode("latin-1")
        if key in headers:  # Set-Cookie values may hold commas: joined with "\n", which no value contains
            headers[key] += ("\n" if key == "set-cookie" else ", ") + text
        else:
            headers[key] = text
    return headers


def _content_length(value: str) -> int:
    values = {v.strip() for v in value.split(",")}  # repeated identical values are allowed
    if len(values) != 1:
        raise MalformedResponse("conflicting Content-Length")
    text = values.pop()
    if not text.isdigit() or len(text) > 18:
        raise MalformedResponse("bad Content-Length")
    return int(text)


def _chunk_size(line: bytes) -> int:
    text = line.split(b";", 1)[0].strip()  # chunk extensions are ignored
    if not text or len(text) > 16 or text.strip(b"0123456789abcdefABCDEF"):
        raise MalformedResponse("bad chunk size")
    return int(text, 16)


def _decode(body: bytes, coding: str, cap: int) -> bytes:
    """Undo a content coding. We never ask for one, but a server may send it anyway."""
    coding = coding.strip().lower()
    if coding in ("", "identity"):
        return body
    if coding in ("gzip", "x-gzip"):
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif coding == "deflate":
        decoder = zlib.decompressobj(zlib.MAX_WBITS if body[:1] == b"\x78" else -zlib.MAX_WBITS)
    else:
        raise MalformedResponse("unsupported content coding")
    try:
        out = decoder.decompress(body, cap + 1)
    except zlib.error:
        raise MalformedResponse("bad compressed body") from None
    if len(out) > cap:
        raise ResponseTooLarge()
    return out


_ACCEPT = b"Content-Type: application/json\r\nAccept: application/graphql-response+json, application/json\r\n"
_OURS = frozenset({"host", "content-length", "transfer-encoding", "connection", "content-type", "accept"})


def _target(url: str) -> _Target:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidRequest("bad URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest("unsupported URL")
    tls = scheme == "https"
    default = 443 if tls else 80
    host = parts.hostname
    port = port or default
    host_header = f"[{host}]" if ":" in host else host
    if port != default:
        host_header += f":{port}"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if any(c in path or c in host_header for c in "\r\n "):
        raise InvalidRequest("unsupported URL")
    head = f"POST {path} HTTP/1.1\r\nHost: {host_header}\r\n".encode("ascii", "strict") + _ACCEPT
    return _Target((scheme, host, port), host, port, tls, head)


def _extra_headers(headers: dict[str, str]) -> bytes:
    """Caller headers, minus the ones that frame the message (ours must win)."""
    out = []
    for name, value in headers.items():
        if name.lower() in _OURS:
            continue  # framing and media types describe what this client sends and parses
        if not name or any(c in name for c in "\r\n: \t") or any(c in value for c in "\r\n\0"):
            raise InvalidRequest("bad header")
        out.append(f"{name}: {value}\r\n")
    try:
        return "".join(out).encode("latin-1")
    except UnicodeEncodeError:
        raise InvalidRequest("bad header") from None


class HttpClient:
    """POSTs bodies to URLs; pools keep-alive connections per origin.

    Bound to the event loop it is first used on; if later used on another loop
    (tests, some serverless adapters) the old pools are dropped, not shared.
    """

    def __init__(
        self,
        timeout: float = 30.0,
        max_connections: int = 100,
        *,
        idle_timeout: float = IDLE_TIMEOUT,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.timeout = timeout
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self.max_response_bytes = max_response_bytes
        self._ssl = ssl_context
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pools: dict[tuple[str, str, int], Pool[Connection]] = {}
        self._targets: dict[str, _Target] = {}

    async def post(self, url: str, body: bytes, headers: dict[str, str] | None = None, *,
                   retry_stale: bool = True) -> Response:
        """One POST within the client's deadline; raises an HttpError subclass on any failure.

        `retry_stale=False` (mutations) turns off the resend after a kept-alive connection closed
        without answering: the server may have read the request and crashed while processing it."""
        target = self._targets.get(url)
        if target is None:
            target = _target(url)
            if len(self._targets) >= 256:
                self._targets.clear()
            self._targets[url] = target
        head = target.head + (_extra_headers(headers) if headers else b"")
        data = b"%sContent-Length: %d\r\n\r\n%s" % (head, len(body), body)
        pool = self._pool(target.origin)
        try:
            async with asyncio.timeout(self.timeout):
                response = await self._exchange(pool, target, data, retry_stale)
        except TimeoutError:
            raise HttpTimeout() from None
        except PoolClosed:
            raise ConnectFailed("client closed") from None
        coding = response.headers.get("content-encoding")
        if coding:
            response = response._replace(body=_decode(response.body, coding, self.max_response_bytes))
        return response

    async def aclose(self) -> None:
        """Close every pooled connection; busy ones close when their exchange ends."""
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()

    def _pool(self, origin: tuple[str, str, int]) -> Pool[Connection]:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            for old in self._pools.values():
                old.close()
            self._pools = {}
            self._loop = loop
        pool = self._pools.get(origin)
        if pool is None:
            pool = self._pools[origin] = Pool(loop, self.max_connections, self.idle_timeout)
        return pool

    async def _exchange(self, pool: Pool[Connection], target: _Target, data: bytes,
                        retry_stale: bool = True) -> Response:
        conn = await pool.acquire()
        try:
            response = None
            if conn is not None:
                try:
                    response = await conn.request(data)
                except _Lost as lost:
                    if lost.started or not retry_stale:
                        raise
                    # A kept-alive connection the server had already closed: it never saw
                    # this request, so try once more on a fresh connection (same slot).
                    conn.abort()
                    conn = None
            if conn is None or response is None:  # no idle connection, or a stale one
                conn = await self._connect(target)
                response = await conn.request(data)
        except BaseException:
            if conn is not None:
                conn.abort()
            pool.free_slot()
            raise
        pool.release(conn)
        return response

    async def _connect(self, target: _Target) -> Connection:
        loop = asyncio.get_running_loop()
        tls = None
        if target.tls:
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            tls = self._ssl
        try:
            _, conn = await loop.create_connection(
                lambda: Connection(loop, self.max_response_bytes),
                target.host,
                target.port,
                ssl=tls,
                server_hostname=target.host if tls else None,
            )
        except TimeoutError:
            raise
        except OSError as error:
            raise ConnectFailed(type(error).__name__) from None
        return conn
