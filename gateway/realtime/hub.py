"""Every live real-time connection of one app: the connection limit and clean shutdown.

A WebSocket connection and an SSE stream each count as one connection against
`subscription_max_connections`. On shutdown every connection is told (WebSocket:
close 1001 "going away"; SSE: the stream completes) and its subgraph streams are
closed, so a server that stops leaves no socket to a subgraph behind.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol


class Connection(Protocol):
    async def shutdown(self) -> None: ...


class Hub:
    def __init__(self, max_connections: int) -> None:
        self.max_connections = max_connections
        self.connections: set[Any] = set()
        self.closing = False

    def admit(self, connection: Connection) -> bool:
        """Count a new connection in; False when the limit is reached or the server is stopping."""
        if self.closing or len(self.connections) >= self.max_connections:
            return False
        self.connections.add(connection)
        return True

    def leave(self, connection: Connection) -> None:
        self.connections.discard(connection)

    async def close(self) -> None:
        """Refuse new connections and end every live one (their subgraph streams with them)."""
        self.closing = True
        if self.connections:
            await asyncio.gather(*(c.shutdown() for c in list(self.connections)), return_exceptions=True)
