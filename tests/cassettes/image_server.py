"""A tiny Images API on 127.0.0.1 for the cassette tests, independent of the sandbox.

It answers generations (base64 or URL), edits (echoing the multipart parts it
got) and image downloads, gzips any answer to a request with `?gzip` in its
URL, and counts every request, so a test can prove that a replay opened no
connection.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from PIL import Image

CREATED = 1_700_000_000


def make_png(color: tuple[int, int, int] = (200, 30, 30), size: int = 16) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = make_png()


class ImageServer:
    """One running server; `hits` lists `METHOD /path` of every request it received."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    @property
    def origin(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    def stop(self) -> None:
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join()


def _generations(server: ImageServer, request: dict[str, Any], headers: Any, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
    count = int(request.get("n", 1))
    if request.get("response_format") == "url":
        data = [{"url": f"{server.origin}/files/image-{index}.png"} for index in range(count)]
    else:
        data = [{"b64_json": base64.b64encode(PNG).decode()} for _ in range(count)]
    for item in data:
        item["revised_prompt"] = request.get("prompt", "")
    return _json(200, {"created": CREATED, "data": data}, {
        "Set-Cookie": "sid=server-session-cookie",
        "X-Seen-Authorization": headers.get("Authorization", ""),
        "X-Seen-Query": json.dumps(query),
    })


def _edits(server: ImageServer, body: bytes, headers: Any) -> tuple[int, dict[str, str], bytes]:
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + headers["Content-Type"].encode() + b"\r\n\r\n" + body)
    parts = [
        {
            "name": part.get_param("name", header="content-disposition"),
            "filename": part.get_filename(),
            "sha256": hashlib.sha256(part.get_payload(decode=True) or b"").hexdigest(),
        }
        for part in message.iter_parts()
    ]
    return _json(200, {"created": CREATED, "data": [{"b64_json": base64.b64encode(PNG).decode()}], "parts": parts}, {})


def _json(status: int, payload: Any, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(payload, indent=2).encode()


def _gzipped(status: int, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
    return status, {**headers, "Content-Encoding": "gzip"}, gzip.compress(body)


def _handler_for(server: ImageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            server.hits.append(f"GET {url.path}")
            if url.path.startswith("/files/"):
                self._answer(200, {"Content-Type": "image/png"}, PNG)
            else:
                self._answer(*_json(404, {"error": {"message": f"no {url.path}"}}, {}))

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            server.hits.append(f"POST {url.path}")
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            query = parse_qs(url.query, keep_blank_values=True)
            if url.path.endswith("/images/generations") or url.path.endswith("/images/variations"):
                answer = _generations(server, json.loads(body), self.headers, query)
            elif url.path.endswith("/images/edits"):
                answer = _edits(server, body, self.headers)
            else:
                answer = _json(404, {"error": {"message": f"no {url.path}"}}, {})
            self._answer(*(_gzipped(*answer) if "gzip" in query else answer))

    return Handler
