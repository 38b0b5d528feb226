"""The request's deadline also bounds the wait for the status line and headers.

httpx bounds each read (`timeout`), so a target that trickles its status line and headers a byte at a time is
never cut while it waits for them, and the deadline's watchdog (`run.deadline`) can only start once the
response, with its socket, exists. Every socket read and write of the run's client goes through `BoundedStream`,
which waits at most what the current request's deadline has left: connecting, sending, the headers and the body.
"""

from __future__ import annotations

import contextlib
import contextvars
import ssl
from typing import Any, Iterable, Iterator

import httpcore

from imagecontract.run.deadline import Deadline

_CURRENT: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("imagecontract_deadline", default=None)
"""The deadline of the request this thread is sending and reading (each thread sends its own)."""


@contextlib.contextmanager
def bounding(limit: Deadline) -> Iterator[None]:
    """While inside, this thread's socket waits end by `limit`."""
    token = _CURRENT.set(limit)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def bounded(timeout: float | None, expired: type[Exception]) -> float | None:
    """`timeout`, shortened to what the current deadline has left; `expired` is raised once nothing is left."""
    limit = _CURRENT.get()
    if limit is None:
        return timeout
    left = limit.remaining()
    if left <= 0:
        raise expired(f"the {limit.seconds:g} s timeout passed")
    return left if timeout is None else min(timeout, left)


class BoundedStream(httpcore.NetworkStream):
    """A connection whose every wait ends by the current request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return BoundedStream(self._inner.start_tls(ssl_context, server_hostname, bounded(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class BoundedBackend(httpcore.NetworkBackend):
    """httpcore's own sockets, each wrapped in a `BoundedStream`."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return BoundedStream(self._inner.connect_tcp(host, port, bounded(timeout, httpcore.ConnectTimeout),
                                                     local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return BoundedStream(self._inner.connect_unix_socket(path, bounded(timeout, httpcore.ConnectTimeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install(transport: Any) -> Any:
    """Route `transport`'s connections through `BoundedBackend`, and return it.

    httpx's `HTTPTransport` takes no `network_backend` (httpcore's `ConnectionPool` does), so this sets the one
    attribute of its pool that holds it, before any connection is made."""
    pool = transport._pool
    pool._network_backend = BoundedBackend(pool._network_backend)
    return transport
