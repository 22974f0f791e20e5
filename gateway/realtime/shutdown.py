"""A uvicorn server that ends the real-time streams first when it stops.

uvicorn closes idle connections on shutdown but waits for responses in progress, and
an SSE stream is a response that never ends by itself: without this a server with
one SSE subscriber would not stop. The app's `close_streams()` completes every SSE
stream, closes every WebSocket with 1001 and the subgraph sockets behind them; then
uvicorn's own shutdown runs.
"""

from __future__ import annotations

from typing import Any


def server(config: Any, app: Any) -> Any:
    """A `uvicorn.Server` for `config` that calls `app.close_streams()` before shutting down."""
    import uvicorn

    class _Server(uvicorn.Server):
        async def shutdown(self, sockets: Any = None) -> None:
            close = getattr(app, "close_streams", None)
            if close is not None:
                try:
                    await close()
                except Exception:  # stopping must go on
                    import logging

                    logging.getLogger("bff.realtime").exception("Closing the real-time streams failed")
            await super().shutdown(sockets)

    return _Server(config)
