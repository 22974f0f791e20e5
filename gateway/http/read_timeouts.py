"""Header and body read timeouts for uvicorn, which has neither.

uvicorn closes an idle keep-alive connection after `timeout_keep_alive`, but a
client that trickles a byte now and then, or never sends a first byte, keeps
its connection (and its buffers) forever: 45 such connections stayed open
indefinitely (issue 12). This protocol subclass arms one timer per request:
`header_timeout` seconds from the start of the connection (or the end of the
previous response) until the request's headers are read, then `body_timeout`
seconds until its body is read. When it fires, the connection is closed. The
application's own time is not limited here (the subgraph timeouts do that). A request
upgraded to a WebSocket disarms the timer: the connection is then a long-lived stream.

    uvicorn.Config(app, http=with_read_timeouts(10.0, 30.0))
"""

from __future__ import annotations

import asyncio
from typing import Any


def with_read_timeouts(header_timeout: float, body_timeout: float, base: type | None = None) -> type:
    """An HTTP protocol class for uvicorn: `base` (uvicorn's default, httptools or h11) plus timeouts."""
    if base is None:
        from uvicorn.protocols.http.auto import AutoHTTPProtocol

        base = AutoHTTPProtocol

    class ReadTimeouts(base):  # type: ignore[valid-type, misc]
        _read_timer: asyncio.TimerHandle | None = None
        _body_cycle: Any = None  # the request whose body is being read (headers done)
        _read_cycle: Any = None  # the last request read in full

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm(header_timeout)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            cycle = self.cycle
            if cycle is None or cycle is self._read_cycle:
                return
            if not cycle.more_body:  # the whole request is in: the read timer's job is done
                self._read_cycle = cycle
                self._cancel()
            elif cycle is not self._body_cycle:  # headers in, body coming
                self._body_cycle = cycle
                self._arm(body_timeout)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm(header_timeout)  # the next request's headers

        def handle_websocket_upgrade(self, *args: Any) -> None:
            # The socket now belongs to the WebSocket protocol (its own pings and close): a timer armed for
            # this HTTP request would otherwise close a live WebSocket `header_timeout` seconds after it opened.
            self._cancel()
            super().handle_websocket_upgrade(*args)

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel()
            super().connection_lost(exc)

        def _arm(self, seconds: float) -> None:
            self._cancel()
            self._read_timer = self.loop.call_later(seconds, self._read_timed_out)

        def _cancel(self) -> None:
            if self._read_timer is not None:
                self._read_timer.cancel()
                self._read_timer = None

        def _read_timed_out(self) -> None:
            self._read_timer = None
            if not self.transport.is_closing():
                self.transport.close()

    ReadTimeouts.__name__ = ReadTimeouts.__qualname__ = f"ReadTimeouts{base.__name__}"
    return ReadTimeouts
