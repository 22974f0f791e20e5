"""`bff serve` with TCP_NODELAY on its accepted connections: an experiment launcher, not a product.

`bff serve` binds its listening socket itself with `socket.socket(family, SOCK_STREAM)`,
whose protocol number is 0. asyncio only turns Nagle's algorithm off on accepted
sockets whose protocol is IPPROTO_TCP (asyncio.base_events._set_nodelay), so on a
keep-alive connection the response body (written after the headers) waits for the
client's delayed ACK: about 40 ms per request on Linux loopback. This shim creates
that socket with IPPROTO_TCP and otherwise runs `bff` unchanged, so the benchmark
can show what the one-line fix in gateway/cli.py would give:

    python bench/run.py --bff-command "python bench/bff_tcp_nodelay.py"
"""

import socket
import sys

_socket = socket.socket


class _TcpSocket(_socket):
    def __init__(self, family=-1, type=-1, proto=-1, fileno=None):  # noqa: A002 - socket.socket's own names
        if fileno is None and type == socket.SOCK_STREAM and proto in (-1, 0) and family in (socket.AF_INET, socket.AF_INET6):
            proto = socket.IPPROTO_TCP
        super().__init__(family, type, proto, fileno)


socket.socket = _TcpSocket  # type: ignore[misc]

from gateway.cli import main  # noqa: E402

sys.exit(main())
