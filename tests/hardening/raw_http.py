"""A misbehaving HTTP server on 127.0.0.1 made of plain sockets, for what no real server does on purpose.

Each connection's request is read whole (headers and Content-Length body), then
the server's `script` writes whatever bytes it likes and may drop the
connection: a body cut mid-way, a reset, a declared or streamed body of
hundreds of MB (written lazily, so nothing large is ever held in memory).
"""

from __future__ import annotations

import base64
import json
import socket
import struct
import threading
import time
from typing import Callable

Script = Callable[[socket.socket], None]

CHUNK = b"\0" * 65536


def head(status: int, headers: dict[str, str]) -> bytes:
    """The status line and headers of an HTTP/1.1 answer."""
    lines = [f"HTTP/1.1 {status} Status"] + [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def json_answer(payload: object, status: int = 200) -> Script:
    """A complete, well-formed JSON answer."""
    body = json.dumps(payload).encode()

    def script(conn: socket.socket) -> None:
        conn.sendall(head(status, {"Content-Type": "application/json", "Content-Length": str(len(body))}) + body)

    return script


def undecodable_image() -> Script:
    """A well-formed images answer whose one b64_json is not an image."""
    return json_answer({"created": 1, "data": [{"b64_json": base64.b64encode(b"not an image at all").decode()}]})


def cut_mid_body(*, reset: bool) -> Script:
    """Declare a 4 KB JSON body, send 100 bytes of it, then close (or reset, with `reset`)."""

    def script(conn: socket.socket) -> None:
        conn.sendall(head(200, {"Content-Type": "application/json", "Content-Length": "4096"}) + b'{"created": 1, "data": [' + b" " * 76)
        if reset:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return script


def huge_body(*, declared: int | None) -> Script:
    """Stream zeros until the client hangs up: with `declared`, under that Content-Length, else chunked."""

    def script(conn: socket.socket) -> None:
        framing = {"Content-Length": str(declared)} if declared is not None else {"Transfer-Encoding": "chunked"}
        conn.sendall(head(200, {"Content-Type": "application/json", **framing}))
        frame = CHUNK if declared is not None else b"%x\r\n" % len(CHUNK) + CHUNK + b"\r\n"
        sent = 0
        while declared is None or sent < declared:
            conn.sendall(frame)
            sent += len(CHUNK)

    return script


def endless_events() -> Script:
    """A `text/event-stream` that sends a small event every 0.1 s and never ends."""

    def script(conn: socket.socket) -> None:
        conn.sendall(head(200, {"Content-Type": "text/event-stream", "Transfer-Encoding": "chunked"}))
        event = b'event: image_generation.partial_image\ndata: {"partial_image_index": 0}\n\n'
        while True:
            conn.sendall(b"%x\r\n%s\r\n" % (len(event), event))
            time.sleep(0.1)

    return script


def endless_line() -> Script:
    """A `text/event-stream` whose one `data:` line never ends: 64 KB chunks as fast as the client reads them."""

    def script(conn: socket.socket) -> None:
        conn.sendall(head(200, {"Content-Type": "text/event-stream", "Transfer-Encoding": "chunked"}))
        conn.sendall(b"6\r\ndata: \r\n")
        frame = b"%x\r\n" % len(CHUNK) + b"x" * len(CHUNK) + b"\r\n"
        while True:
            conn.sendall(frame)

    return script


def trickle(body: bytes, *, every: float) -> Script:
    """A JSON answer declaring its whole length, then sending it one byte per `every` seconds."""

    def script(conn: socket.socket) -> None:
        conn.sendall(head(200, {"Content-Type": "application/json", "Content-Length": str(len(body))}))
        for index in range(len(body)):
            conn.sendall(body[index:index + 1])
            time.sleep(every)

    return script


def trickled_head(*, every: float) -> Script:
    """A JSON answer whose status line and headers come one byte per `every` seconds (each read waits little)."""
    body = b'{"created": 1, "data": []}'
    answer = head(200, {"Content-Type": "application/json", "Content-Length": str(len(body)), "X-Padding": "p" * 64}) + body

    def script(conn: socket.socket) -> None:
        for index in range(len(answer)):
            conn.sendall(answer[index:index + 1])
            time.sleep(every)

    return script


def silent(seconds: float) -> Script:
    """Accept the request and answer nothing for `seconds`."""
    return lambda conn: time.sleep(seconds)


class RawServer:
    """Serves `script` to every connection until `stop()`; `url` is its base URL with /v1."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="raw-http", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/v1"

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(10)
                _read_request(conn)
                self.script(conn)
            except OSError:
                pass

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()
        self._listener.close()


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    header, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in header.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return
        body += chunk



def events_carrying(*pieces: str) -> Script:
    """A finished `text/event-stream` whose events each carry one of `pieces` in a `delta` field."""
    blocks = [f'event: image_generation.partial_image\ndata: {json.dumps({"partial_image_index": index, "delta": piece})}\n\n'
              for index, piece in enumerate(pieces)]
    body = "".join(blocks).encode()

    def script(conn: socket.socket) -> None:
        conn.sendall(head(200, {"Content-Type": "text/event-stream", "Content-Length": str(len(body))}) + body)

    return script


def deep_json(levels: int) -> Script:
    """A JSON answer of `levels` arrays inside one another: `[[[...]]]`."""
    return _raw_json(b"[" * levels + b"]" * levels)


def _raw_json(body: bytes) -> Script:
    def script(conn: socket.socket) -> None:
        conn.sendall(head(200, {"Content-Type": "application/json", "Content-Length": str(len(body))}) + body)

    return script
