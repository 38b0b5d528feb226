"""A small reverse proxy on loopback standing where a real gateway would: client -> this -> the sandbox.

It passes everything through (its own key swapped for the upstream's, image URLs rewritten to its own host and
proxied) unless told one upstream-side fault, each the way a real gateway departs from the API behind it.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from imagecontract.sandbox.server import LOOPBACK, bind

HOP_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection", "content-encoding", "date", "server",
                         "authorization"})

FAULTS = {
    "pass": "nothing: every request and answer passes through",
    "silent-retry": "retry an upstream 5xx twice without telling the client",
    "strip-retry-after": "drop Retry-After from the upstream's 429",
    "echo-upstream-key": "put the upstream key in error messages",
    "internal-urls": "hand out the upstream's own image URLs",
    "drop-param": "drop one request parameter (ARG)",
    "split-n": "send n=N as N calls of n=1 and merge the answers",
    "padding": "add null fields to every answer",
    "rewrite-error-codes": "replace every error code by gateway_error",
    "overhead": "wait ARG seconds before forwarding",
    "json-as-html": "send JSON answers as text/html",
    "image-urls": "hand out image URLs starting ARG instead of the upstream's origin",
    "forward-client-key": "send the client's own key upstream instead of the gateway's upstream key",
    "anonymous": "forward neither the `user` field nor unknown headers (no correlation id reaches the upstream)",
}


class Gateway:
    def __init__(self, upstream: str, upstream_key: str, gateway_key: str, fault: str) -> None:
        name, _, self.arg = fault.partition("=")
        if name not in FAULTS:
            raise ValueError(f"unknown gateway fault {name!r}; known: {', '.join(FAULTS)}")
        self.fault, self.upstream, self.upstream_key, self.gateway_key = name, upstream, upstream_key, gateway_key
        self.origin = ""
        self.client = httpx.AsyncClient(timeout=60.0)

    def headers(self, request: Request) -> dict[str, str]:
        headers = {name: value for name, value in request.headers.items() if name.lower() not in HOP_HEADERS
                   and not (self.fault == "anonymous" and name.lower().startswith("x-"))}
        given = request.headers.get("authorization")
        if given == f"Bearer {self.gateway_key}" and self.fault != "forward-client-key":
            headers["authorization"] = f"Bearer {self.upstream_key}"
        elif given:
            headers["authorization"] = given
        return headers

    def body(self, request: Request, raw: bytes) -> list[bytes]:
        """The upstream call bodies for one client body (several when `n` is split)."""
        if not request.headers.get("content-type", "").startswith("application/json"):
            return [raw]
        try:
            data = json.loads(raw)
        except ValueError:
            return [raw]
        if self.fault in ("drop-param", "anonymous"):
            data.pop(self.arg or "user", None)
        if self.fault == "split-n" and isinstance(data.get("n"), int) and data["n"] > 1:
            return [json.dumps({**data, "n": 1}).encode() for _ in range(data["n"])]
        return [json.dumps(data).encode()]

    async def call(self, method: str, url: str, headers: dict[str, str], body: bytes) -> httpx.Response:
        request = self.client.build_request(method, url, headers=headers, content=body)
        response = await self.client.send(request, stream=True)
        tries = 2 if self.fault == "silent-retry" else 0
        while response.status_code >= 500 and tries:
            tries -= 1
            await response.aclose()
            response = await self.client.send(self.client.build_request(method, url, headers=headers, content=body), stream=True)
        return response

    async def handle(self, request: Request) -> Response:
        if self.fault == "overhead":
            await asyncio.sleep(float(self.arg))
        url = self.upstream + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        headers = self.headers(request)
        bodies = self.body(request, await request.body())
        answers = [await self.call(request.method, url, headers, body) for body in bodies]
        first = answers[0]
        out = {name: value for name, value in first.headers.items() if name.lower() not in HOP_HEADERS}
        if self.fault == "strip-retry-after":
            out.pop("retry-after", None)
        if first.headers.get("content-type", "").startswith("text/event-stream"):
            return StreamingResponse(self.relay(first), status_code=first.status_code, headers=out)
        payloads = []
        for answer in answers:
            payloads.append(await answer.aread())
            await answer.aclose()
        if not first.headers.get("content-type", "").startswith("application/json"):
            return Response(payloads[0], first.status_code, out)
        if self.fault == "json-as-html":
            out["content-type"] = "text/html; charset=utf-8"
        return Response(json.dumps(self.shape([json.loads(payload) for payload in payloads])), first.status_code, out)

    async def relay(self, answer: httpx.Response) -> Any:
        async for chunk in answer.aiter_raw():
            yield chunk
        await answer.aclose()

    def shape(self, bodies: list[Any]) -> Any:
        body = bodies[0]
        if len(bodies) > 1:
            body = {**body, "data": [item for each in bodies for item in each.get("data", [])]}
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            if self.fault == "echo-upstream-key":
                body["error"]["message"] = f"{body['error']['message']} (upstream call made with key {self.upstream_key})"
            if self.fault == "rewrite-error-codes":
                body["error"]["code"] = "gateway_error"
        for item in body.get("data", []) if isinstance(body, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("url"), str) and self.fault != "internal-urls":
                item["url"] = item["url"].replace(self.upstream, self.arg if self.fault == "image-urls" else self.origin)
        if self.fault == "padding" and isinstance(body, dict):
            body["system_fingerprint"] = None
        return body


@contextmanager
def running_gateway(upstream: str, upstream_key: str, gateway_key: str, fault: str = "pass") -> Iterator[Gateway]:
    """A gateway on a free 127.0.0.1 port forwarding to `upstream` (an origin, no /v1); `.origin` is where it listens."""
    gateway = Gateway(upstream, upstream_key, gateway_key, fault)
    app = Starlette(routes=[Route("/{path:path}", gateway.handle, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False, timeout_graceful_shutdown=1))
    sock = bind(LOOPBACK, 0)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.005)
    gateway.origin = f"http://{LOOPBACK}:{sock.getsockname()[1]}"
    try:
        yield gateway
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
