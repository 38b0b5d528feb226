"""A canned Images API for fair benchmarks: answers at once with fixed valid bodies, the same for every tool.

Every POST to `/v1/images/{generations,edits,variations}` gets one PNG, as `b64_json` when the body asks for it
(the word appears in the JSON or the multipart form) and otherwise as a URL that this server also serves. The PNG
is a flat 256x256 one, or per endpoint `ANSWERS/<endpoint>.png` (an edit of the benchmark's upload that keeps its
frame, a variation that looks like its input), so every content check passes.
The body is read whole and otherwise ignored, so the server's cost per request is a fraction of a millisecond and
equal for every client. Accepted connections set `TCP_NODELAY`, so no answer waits for a delayed ACK.
`GET /_bench/reset` forgets, and `GET /_bench/first` tells, the epoch time the first POST since then arrived:
a tool's start-up is that minus the time its process was spawned.

    python bench/canned_server.py [--port 0] [--answers DIR]     # prints "listening PORT", serves until killed
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import socket
import sys
import threading
from pathlib import Path
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ENDPOINTS = ("/v1/images/generations", "/v1/images/edits", "/v1/images/variations")
CREATED = 1713833628


def png(side: int = 256) -> bytes:
    """A flat PNG of `side` x `side`, as small as the sandbox's."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (side, side), (46, 134, 193)).save(buffer, "PNG")
    return buffer.getvalue()


class Canned:
    """The fixed answers, made once: per endpoint, a b64_json body, a url body and the image the URL serves."""

    def __init__(self, port: int, answers: Path | None) -> None:
        flat = png()
        self.images: dict[str, bytes] = {}
        self.bodies: dict[tuple[str, bool], bytes] = {}
        for endpoint in ENDPOINTS:
            kind = endpoint.rsplit("/", 1)[1]
            chosen = answers / f"{kind}.png" if answers else None
            image = self.images[f"/files/{kind}.png"] = chosen.read_bytes() if chosen and chosen.is_file() else flat
            b64 = {"b64_json": base64.b64encode(image).decode()}
            url = {"url": f"http://127.0.0.1:{port}/files/{kind}.png"}
            self.bodies[(endpoint, True)] = json.dumps({"created": CREATED, "data": [b64]}).encode()
            self.bodies[(endpoint, False)] = json.dumps({"created": CREATED, "data": [url]}).encode()
        self.first: float | None = None
        self.lock = threading.Lock()

    def arrived(self) -> None:
        with self.lock:
            if self.first is None:
                self.first = time.time()


def handler(canned: Canned) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _answer(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            canned.arrived()
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            answer = canned.bodies.get((self.path.split("?")[0], b"b64_json" in body))
            if answer is None:
                self._answer(404, b'{"error": {"message": "unknown path", "type": "invalid_request_error"}}', "application/json")
                return
            self._answer(200, answer, "application/json")

        def do_GET(self) -> None:
            if self.path in canned.images:
                self._answer(200, canned.images[self.path], "image/png")
            elif self.path == "/_bench/reset":
                canned.first = None
                self._answer(200, b"{}", "application/json")
            elif self.path == "/_bench/first":
                self._answer(200, json.dumps({"first": canned.first}).encode(), "application/json")
            else:
                self._answer(404, b"{}", "application/json")

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--answers", type=Path, default=None)
    options = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", options.port), BaseHTTPRequestHandler)
    server.RequestHandlerClass = handler(Canned(server.server_address[1], options.answers))
    server.daemon_threads = True
    print(f"listening {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
