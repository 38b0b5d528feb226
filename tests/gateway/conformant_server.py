"""An independent implementation of the Images API on loopback: stdlib `http.server` and Pillow, sharing no code
with `imagecontract` (its rules are `conformant_rules.py`, read from the openai SDK). The suite run against it
must find nothing to fail: a failure is a check or a collection reading the API differently from its sources.

`era="today"` serves the API of the SDK 3.57.0 (generations, edits, streaming, files; dall-e and gpt-image-1
retired, the variations endpoint retired). `era="seed"` serves what the seed era had and today's lacks: dall-e-2
variations and edits (`conformant_seed.py`). Run alone: `python tests/gateway/conformant_server.py --port 8090 --api-key K`.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import email.parser
import email.policy
import json
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import conformant_pictures as pictures
import conformant_rules as rules
import conformant_seed as seed
from conformant_rules import ApiError, invalid

NO_KEY = ("You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer "
          "auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're "
          "accessing the API from your browser and are prompted for a username. You can obtain an API key from "
          "https://platform.openai.com/account/api-keys.")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, api_key: str, era: str) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.api_key, self.era = api_key, era
        self.files: dict[str, tuple[str, bytes]] = {}
        self.downloads: dict[str, bytes] = {}

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        """Quiet: the suite's report shows every exchange."""

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        data = self.server.downloads.get(self.path.rsplit("/", 1)[-1])
        if self.path.startswith("/v1/downloads/") and data is not None:
            self._send(200, data, "image/png")
        else:
            self._error(ApiError(404, f"Invalid URL (GET {self.path})", None, None))

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        routes = {"/v1/images/generations": self._generate, "/v1/images/edits": self._edit, "/v1/files": self._file,
                  "/v1/images/variations": self._variation}
        try:
            route = routes.get(self.path.split("?")[0])
            if route is None:
                raise ApiError(404, f"Invalid URL (POST {self.path})", None, None)
            self._authorize()
            route(body)
        except ApiError as error:
            self._error(error)

    # --- requests ------------------------------------------------------------------------------------------

    def _authorize(self) -> None:
        scheme, _, key = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise ApiError(401, NO_KEY, None, None)
        if key.strip() != self.server.api_key:
            shown = key.strip()
            raise ApiError(401, f"Incorrect API key provided: {shown[:3]}*****{shown[-4:]}. You can find your API key "
                                "at https://platform.openai.com/account/api-keys.", None, "invalid_api_key")

    def _json(self, body: bytes) -> dict[str, Any]:
        if not self.headers.get("content-type", "").startswith("application/json"):
            raise invalid(None, "Unsupported content type: this endpoint takes an application/json body.", None)
        try:
            params = json.loads(body)
        except ValueError:
            raise invalid(None, "We could not parse the JSON body of your request. (HINT: This likely means you "
                                "aren't using your HTTP library correctly.)", None) from None
        if not isinstance(params, dict):
            raise invalid(None, "The request body must be a JSON object.", None)
        return params

    def _form(self, body: bytes) -> tuple[dict[str, str], dict[str, list[bytes]]]:
        """Fields and files of a multipart/form-data body (files by field name, in order)."""
        kind, _, options = self.headers.get("content-type", "").partition(";")
        boundary = options.partition("boundary=")[2].strip().strip('"').encode()
        if kind.strip() != "multipart/form-data" or not boundary:
            raise invalid(None, "Unsupported content type: this endpoint takes multipart/form-data.", None)
        fields: dict[str, str] = {}
        files: dict[str, list[bytes]] = {}
        for chunk in body.split(b"--" + boundary)[1:]:
            if chunk.startswith(b"--"):
                break
            head, _, payload = chunk[2:].partition(b"\r\n\r\n")
            disposition = email.parser.HeaderParser(policy=email.policy.HTTP).parsestr(head.decode("utf-8", "replace"))
            name = str(disposition.get_param("name", header="content-disposition"))
            payload = payload[:-2] if payload.endswith(b"\r\n") else payload
            if disposition.get_param("filename", header="content-disposition") is not None:
                files.setdefault(name, []).append(payload)
            else:
                fields[name] = payload.decode()
        return fields, files

    def _generate(self, body: bytes) -> None:
        params = self._json(body)
        model = rules.check_model(params.get("model"), "generations")
        self._answer("image_generation", rules.check_options(model, params, "generations"), [], None, None)

    def _edit(self, body: bytes) -> None:
        if self.server.era == "seed":
            self._send_json(200, seed.edit(*self._form(body), self._download))
            return
        if self.headers.get("content-type", "").startswith("application/json"):
            params: dict[str, Any] = self._json(body)
            images = [self._referenced(item, "images") for item in params.get("images") or []]
            if not images:
                raise invalid("images", "Missing required parameter: 'images'.", "missing_required_parameter")
            mask = self._referenced(params["mask"], "mask") if params.get("mask") else None
            markup = None
        else:
            params, files = self._form(body)
            images = files.get("image", []) + files.get("image[]", [])
            if not images:
                raise invalid(None, "'image' is a required property", None)
            mask, markup = (files.get(name, [None])[0] for name in ("mask", "markup"))
        model = rules.check_model(params.get("model"), "edits")
        settings = rules.check_options(model, params, "edits")
        inputs = self._inputs(model, images, mask, markup)
        self._answer("image_edit", settings, *inputs)

    def _referenced(self, item: Any, param: str) -> bytes:
        """The bytes of a JSON edit's image reference: a data: URL or the id of an uploaded file."""
        if isinstance(item, dict) and item.get("file_id") in self.server.files:
            return self.server.files[item["file_id"]][1]
        url = item.get("image_url", "") if isinstance(item, dict) else ""
        if isinstance(url, str) and url.startswith("data:") and ";base64," in url:
            try:
                return base64.b64decode(url.split(";base64,", 1)[1], validate=True)
            except binascii.Error:
                pass
        raise invalid(param, f"Invalid '{param}': expected an image_url (a data: URL) or the file_id of an uploaded file.")

    def _inputs(self, model: str, images: list[bytes], mask: bytes | None, markup: bytes | None) -> tuple[Any, Any, Any]:
        """The decoded inputs, refused as the edit endpoint documents: up to 16 png/webp/jpg under 50 MB,
        a PNG mask of the first image's size, a markup only on GPT Image 2.5 and never with a mask."""
        if len(images) > 16:
            raise invalid("image", f"Invalid 'image': at most 16 images, got {len(images)}.", "array_above_max_length")
        decoded = []
        for index, data in enumerate(images):
            described = pictures.described(data, "image")
            if described["format"] not in ("png", "jpeg", "webp") or len(data) >= 50 * 1024 * 1024:
                raise invalid("image", f"Invalid image {index}: each image must be a png, webp or jpg file under 50MB.")
            decoded.append(pictures.decode(data))
        extras = []
        for name, data in (("mask", mask), ("markup", markup)):
            if data is None:
                extras.append(None)
                continue
            described = pictures.described(data, name)
            if described["format"] != "png":
                raise invalid(name, f"Invalid '{name}': must be a PNG file.")
            picture = pictures.decode(data)
            if picture.size != decoded[0].size:
                raise invalid(name, f"Invalid '{name}': {picture.width}x{picture.height} does not match the image's "
                                    f"{decoded[0].width}x{decoded[0].height}.")
            extras.append(picture)
        if markup is not None and (mask is not None or model not in rules.MARKUP):
            raise invalid("markup", "markup is supported by GPT Image 2.5 and cannot be combined with mask.")
        return decoded, extras[0], extras[1]

    def _file(self, body: bytes) -> None:
        fields, files = self._form(body)
        if not files.get("file"):
            raise invalid("file", "Missing required parameter: 'file'.", "missing_required_parameter")
        if not fields.get("purpose"):
            raise invalid("purpose", "Missing required parameter: 'purpose'.", "missing_required_parameter")
        file_id = "file-" + uuid.uuid4().hex[:24]
        self.server.files[file_id] = (fields["purpose"], files["file"][0])
        self._send_json(200, {"id": file_id, "object": "file", "bytes": len(files["file"][0]), "created_at": int(time.time()),
                              "filename": "upload", "purpose": fields["purpose"], "status": "processed",
                              "expires_at": None, "status_details": None})

    def _variation(self, body: bytes) -> None:
        if self.server.era != "seed":
            raise ApiError(404, "The endpoint /v1/images/variations was retired with dall-e-2 on May 12, 2026. "
                                "Use /v1/images/edits with a GPT image model instead.", None, "endpoint_retired")
        self._send_json(200, seed.variation(*self._form(body), self._download))

    def _download(self, data: bytes) -> str:
        name = uuid.uuid4().hex + ".png"
        self.server.downloads[name] = data
        return f"{self.server.origin}/v1/downloads/{name}"

    # --- answers -------------------------------------------------------------------------------------------

    def _answer(self, kind: str, settings: dict[str, Any], images: list[Any], mask: Any, markup: Any) -> None:
        first = images[0].size if images else None
        size, quality, background = rules.resolved(settings, first)
        width, height = (int(part) for part in size.split("x"))
        fmt = settings["output_format"]
        encoded, finals = [], []
        for index in range(settings["n"]):
            seed = f"{settings['prompt']}/{index}/{time.time_ns()}"
            if fmt == "gif":
                encoded.append(pictures.gif(width, height, seed, settings["frames"], settings["duration"]))
                continue
            if fmt == "svg":
                encoded.append(pictures.svg(width, height, seed))
                continue
            picture = pictures.edit(images[0], mask, markup, (width, height), seed) if images \
                else pictures.painting(width, height, seed)
            picture = pictures.with_background(picture, background)
            finals.append(picture)
            encoded.append(pictures.encode(picture, fmt, settings["compression"]))
        spent = rules.usage(settings["prompt"], [image.size for image in images], size, quality, settings["n"])
        reported = {"background": background, "output_format": fmt, "quality": quality, "size": size}
        if settings["stream"]:
            self._stream(kind, settings, finals, encoded, reported, spent)
            return
        answer: dict[str, Any] = {"created": int(time.time()), **reported,
                                  "data": [{"b64_json": base64.b64encode(data).decode()} for data in encoded],
                                  "usage": spent}
        if settings["safety_identifier"]:
            answer["safety_identifier"] = settings["safety_identifier"]
        if settings["svg"]:
            author = settings["svg"].get("model", settings["model"]) if isinstance(settings["svg"], dict) else settings["model"]
            answer["svg_usage"] = {"model": author, "input_tokens": 120, "output_tokens": 900, "reasoning_tokens": 300,
                                   "total_tokens": 1020}
        self._send_json(200, answer)

    def _stream(self, kind: str, settings: dict[str, Any], finals: list[Any], encoded: list[bytes],
                reported: dict[str, Any], spent: dict[str, Any]) -> None:
        """Server-sent events: up to `partial_images` partial images per image, indexed across the stream, then
        one completed event per image (each carrying the request's usage)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        index = 0
        for final, data in zip(finals, encoded):
            for step in range(settings["partials"]):
                early = pictures.encode(pictures.partial(final, step, settings["partials"]), reported["output_format"])
                self._event(f"{kind}.partial_image", {**reported, "partial_image_index": index,
                                                      "b64_json": base64.b64encode(early).decode()})
                index += 1
            completed = {**reported, "b64_json": base64.b64encode(data).decode(), "usage": spent}
            if settings["safety_identifier"]:
                completed["safety_identifier"] = settings["safety_identifier"]
            self._event(f"{kind}.completed", completed)

    def _event(self, name: str, data: dict[str, Any]) -> None:
        payload = json.dumps({"type": name, "created_at": int(time.time()), **data})
        self.wfile.write(f"event: {name}\ndata: {payload}\n\n".encode())
        self.wfile.flush()

    def _error(self, error: ApiError) -> None:
        self._send_json(error.status, error.envelope())

    def _send_json(self, status: int, value: Any) -> None:
        self._send(status, json.dumps(value).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def running_conformant_server(api_key: str, era: str = "today", port: int = 0) -> Iterator[Server]:
    """The server on 127.0.0.1 (a free port unless given) in a thread; `.origin` is where it listens."""
    server = Server(port, api_key, era)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--era", choices=("today", "seed"), default="today")
    args = parser.parse_args()
    with running_conformant_server(args.api_key, args.era, args.port) as server:
        print(f"conformant Images API ({args.era}) on {server.origin}/v1", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
