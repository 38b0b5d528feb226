"""Kept-alive connections to the sandbox answer without the ~40 ms delayed-ACK stall.

Without `TCP_NODELAY` on the accepted socket, uvicorn's second write of an answer (headers, then body) waits
for the client's delayed ACK, so every request after a connection's first took 40-48 ms. How fast a kept-alive
request answers depends on the machine, so it is a benchmark (`bench/keepalive.py`, row (g) of bench/README.md:
0 of 40 stalled, 40 of 40 before); the test checks the cause, the socket option, directly.
"""

from __future__ import annotations

import socket

from imagecontract.sandbox.server import bind


def test_accepted_connections_have_tcp_nodelay() -> None:
    listener = bind("127.0.0.1", 0)
    listener.listen()
    with listener, socket.create_connection(listener.getsockname()):
        accepted, _ = listener.accept()
        with accepted:
            assert accepted.proto == socket.IPPROTO_TCP, "asyncio sets TCP_NODELAY only on sockets that name TCP"
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
