"""A request's deadline: from sending it to the last byte of its answer, whatever the target does meanwhile.

httpx's timeouts bound each wait (connecting, each read), so a body trickled a byte at a time or an
endless event stream never times out. A `Deadline` bounds the whole exchange: it is checked at every
chunk, and a watchdog shuts the connection's socket when it passes while a read still waits. The same
guard runs under the cassette recorder (which reads the transport's stream whole) and in `run.http`; before
the response exists (connecting, sending, a status line and headers trickled in), `run.bounded_backend` bounds
every socket wait by the same deadline.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from imagecontract.errors import TransportError
from imagecontract.images import human_size
from imagecontract.run.alarms import CLOCK

EXTENSION = "imagecontract.deadline"
"""The key of a request's `Deadline` in `httpx.Request.extensions`, where transport-level code finds it."""


@dataclass(eq=False)
class Deadline:
    """`seconds` after it was made, the request must have been answered whole."""

    seconds: float
    url: str
    at: float = field(default=0.0)
    interrupted: bool = False
    """Set by `interrupt_all`: the run is ending (Ctrl-C), so the request ends now."""
    answered: bool = False
    """Set once the status line and headers arrived: a wait that times out after that is the deadline's."""

    def __post_init__(self) -> None:
        self.at = time.monotonic() + self.seconds

    def remaining(self) -> float:
        return 0.0 if self.interrupted else self.at - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def error(self) -> TransportError:
        if self.interrupted:
            return TransportError(f"{self.url}: interrupted: the run was stopped while the answer was being read")
        return TransportError(f"{self.url}: no complete answer within the {self.seconds:g} s timeout "
                              f"(the target sent the body too slowly or never ended it); raise `timeout:` if that is expected")


_READING: dict[Deadline, Callable[[], None]] = {}
"""Requests whose body is being read right now, each with what cuts its connection."""
_READING_LOCK = threading.Lock()


def interrupt_all() -> None:
    """End every request still being read, on any thread, at once: a stopped run must not wait for them."""
    with _READING_LOCK:
        reading = list(_READING.items())
    for limit, cut in reading:
        limit.interrupted = True
        cut()


def of(extensions: Any) -> Deadline | None:
    """The deadline a request carries, if any."""
    found = (extensions or {}).get(EXTENSION)
    return found if isinstance(found, Deadline) else None


def guarded(chunks: Iterable[bytes], deadline: Deadline | None, max_body: int, url: str) -> Iterator[bytes]:
    """The body's chunks, stopping with a clear error once `max_body` bytes have come or the deadline passed."""
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > max_body:
            raise TransportError(f"{url}: response body exceeds the {human_size(max_body)} limit; stopped reading")
        if deadline is not None and deadline.expired():
            raise deadline.error()
        yield chunk


@contextlib.contextmanager
def watchdog(deadline: Deadline | None, response: Any) -> Iterator[None]:
    """While inside, shut `response`'s socket for reading when the deadline passes (a blocked read then ends).

    The shutdown happens only while the body is still being read, never after: the connection may go back
    to the pool once the body is whole.
    """
    sock = _socket_of(response)
    if deadline is not None:
        deadline.answered = True
    if deadline is None or sock is None:
        yield
        return
    lock = threading.Lock()
    reading = [True]

    def cut() -> None:
        with lock:
            if reading[0]:
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)

    alarm = CLOCK.set(max(deadline.remaining(), 0.0), cut)
    with _READING_LOCK:
        _READING[deadline] = cut
    try:
        yield
    finally:
        with lock:
            reading[0] = False
        CLOCK.cancel(alarm)
        with _READING_LOCK:
            _READING.pop(deadline, None)


def _socket_of(response: Any) -> socket.socket | None:
    """The socket under a live response; a replayed one has none, and nothing to shut."""
    stream = getattr(response, "extensions", {}).get("network_stream")
    found = stream.get_extra_info("socket") if stream is not None else None
    return found if isinstance(found, socket.socket) else None
