"""The sandbox's journal: each request as received and each response as sent, by correlation id.

Behind a gateway the sandbox is the upstream; a suite reads this journal over the
loopback admin route (`GET /_sandbox/journal?id=...`) to see what the gateway
forwarded, how often, and what it was answered. Images are kept as digests
(`gateway.normalize`), keys only masked and hashed.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections import deque
from typing import Any, AsyncIterator, Callable

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from imagecontract.gateway.normalize import digest, reduce_body
from imagecontract.redact import mask_key
from imagecontract.sandbox.correlation import CORRELATION_FIELD, CORRELATION_HEADER, CORRELATION_PREFIX, JOURNAL_PATH, key_fingerprint

MAX_ENTRIES = 10_000
"""Older entries are dropped: a long-running sandbox must not grow without bound."""
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost", "testclient"})

Resolve = Callable[[str], "bytes | None"]
"""The bytes behind one of the sandbox's own image URLs, or None."""


class Journal:
    """Every exchange the sandbox answered, safe to read from another thread."""

    def __init__(self, resolve: Resolve = lambda url: None) -> None:
        self._resolve = resolve
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=MAX_ENTRIES)
        self._attempts: dict[str, int] = {}
        self._sequence = 0

    async def received(self, request: Request, endpoint: str | None) -> dict[str, Any]:
        """Record a request as it arrived; returns its entry, for `sent` to complete."""
        arrived = time.time()
        params, images = await _read(request)
        body = await request.body()
        correlation, how = _correlation(params, request.headers)
        key = _key(request.headers.get("authorization", ""))
        with self._lock:
            self._sequence += 1
            attempt = self._attempts[correlation] = self._attempts.get(correlation, 0) + 1 if correlation else 1
            entry: dict[str, Any] = {
                "sequence": self._sequence, "correlation_id": correlation, "correlated_by": how, "attempt": attempt,
                "arrived_at": arrived, "finished_at": None, "endpoint": endpoint, "method": request.method,
                "path": request.url.path, "model": params.get("model"), "params": params, "images": images,
                "body_digest": digest(body), "body_bytes": len(body),
                "key": mask_key(key) if key else None,
                "key_sha256": key_fingerprint(key) if key else None,
                "response": None,
            }
            self._entries.append(entry)
        return entry

    def sent(self, entry: dict[str, Any], response: Response) -> Response:
        """Record `response` as sent for `entry`; a stream is recorded as its chunks go out."""
        headers = {name.lower(): value for name, value in response.headers.items()}
        record: dict[str, Any] = {"status": response.status_code, "headers": headers, "body": None, "image_urls": {}}
        if isinstance(response, StreamingResponse):
            response.body_iterator = self._recorded(entry, record, response.body_iterator, headers)
        else:
            self._finish(entry, record, bytes(response.body), headers)
        return response

    async def _recorded(
        self, entry: dict[str, Any], record: dict[str, Any], chunks: AsyncIterator[Any], headers: dict[str, str]
    ) -> AsyncIterator[Any]:
        seen: list[bytes] = []
        try:
            async for chunk in chunks:
                seen.append(chunk.encode() if isinstance(chunk, str) else bytes(chunk))
                yield chunk
        finally:
            self._finish(entry, record, b"".join(seen), headers)

    def _finish(self, entry: dict[str, Any], record: dict[str, Any], body: bytes, headers: dict[str, str]) -> None:
        record["body"] = reduce_body(body, headers.get("content-type", ""))
        for url in _image_urls(record["body"]):
            data = self._resolve(url)
            if data is not None:
                record["image_urls"][url] = digest(data)
        with self._lock:
            entry["response"] = record
            entry["finished_at"] = time.time()

    def entries(self, correlation_id: str | None = None, since: float | None = None) -> list[dict[str, Any]]:
        """Copies of the entries for one correlation id, or arrived since a time, in arrival order."""
        with self._lock:
            chosen = [entry for entry in self._entries
                      if (correlation_id is None or entry["correlation_id"] == correlation_id)
                      and (since is None or entry["arrived_at"] >= since)]
            return copy.deepcopy(chosen)


async def journal_route(journal: Journal, request: Request) -> Response:
    """`GET /_sandbox/journal[?id=CORRELATION][&since=EPOCH]`, for loopback clients only."""
    client = request.client.host if request.client else ""
    if client not in LOOPBACK_HOSTS:
        return JSONResponse({"error": f"the journal is readable from loopback only, not from {client}"}, 403)
    since = request.query_params.get("since")
    try:
        after = float(since) if since is not None else None
    except ValueError:
        return JSONResponse({"error": f"since={since!r}: expected epoch seconds such as 1767225600.5"}, 400)
    return JSONResponse({"entries": journal.entries(request.query_params.get("id"), after)})


async def _read(request: Request) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The parameters and uploaded images of a request, read from its (cached) body without consuming it;
    none for a body that is neither a JSON object nor multipart (its digest is journaled)."""
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/"):
        try:
            parsed = json.loads(body) if body else {}
        except ValueError:
            return {}, []
        return (parsed if isinstance(parsed, dict) else {}), []

    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    params: dict[str, Any] = {}
    images: list[dict[str, Any]] = []
    try:
        form = await Request(request.scope, replay).form(max_files=1000, max_fields=1000)
    except Exception:  # a malformed multipart body: the sandbox's own answer says why; its digest is journaled
        return {}, []
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            data = await value.read()
            images.append({"field": name, "digest": digest(data), "bytes": len(data),
                           "content_type": value.content_type, "filename": value.filename})
        else:
            params[name] = value
    return params, images


def _correlation(params: dict[str, Any], headers: Any) -> tuple[str | None, str | None]:
    field = params.get(CORRELATION_FIELD)
    if isinstance(field, str) and field.startswith(CORRELATION_PREFIX):
        return field, "field"
    header = headers.get(CORRELATION_HEADER)
    return (header, "header") if header else (None, None)


def _key(authorization: str) -> str:
    scheme, _, credentials = authorization.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def _image_urls(body: Any) -> list[str]:
    items = body.get("data") if isinstance(body, dict) else None
    return [item["url"] for item in items or [] if isinstance(item, dict) and isinstance(item.get("url"), str)]
