"""Kept-alive connections to the sandbox answer without the ~40 ms delayed-ACK stall.

Without `TCP_NODELAY` on the accepted socket, uvicorn's second write of an answer (headers, then body) waits
for the client's delayed ACK, so every request after a connection's first took 40-48 ms. Timing alone is
noisy on a shared machine, so the timed test counts stalls against that signature with a wide margin, and
the socket option itself is checked directly.
"""

from __future__ import annotations

import socket
import time

import httpx

from imagecontract.sandbox import RunningSandbox
from imagecontract.sandbox.server import bind

DELAYED_ACK_SECONDS = 0.038
"""Linux's smallest delayed ACK is 40 ms; a stalled answer takes at least that."""


def test_accepted_connections_have_tcp_nodelay() -> None:
    listener = bind("127.0.0.1", 0)
    listener.listen()
    with listener, socket.create_connection(listener.getsockname()):
        accepted, _ = listener.accept()
        with accepted:
            assert accepted.proto == socket.IPPROTO_TCP, "asyncio sets TCP_NODELAY only on sockets that name TCP"
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_kept_alive_requests_do_not_wait_for_the_delayed_ack(sandbox_server: RunningSandbox) -> None:
    requests = 40
    with httpx.Client() as client:
        client.get(f"{sandbox_server.origin}/_sandbox/stats")
        durations = []
        for _ in range(requests):
            started = time.perf_counter()
            assert client.get(f"{sandbox_server.origin}/_sandbox/stats").status_code == 200
            durations.append(time.perf_counter() - started)
    stalls = sum(duration >= DELAYED_ACK_SECONDS for duration in durations)
    assert stalls < requests // 2, f"{stalls} of {requests} kept-alive requests took 40 ms or more: {durations}"
