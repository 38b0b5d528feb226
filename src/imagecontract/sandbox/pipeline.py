"""Answering one Images API call: auth, faults, validation, rate limit, latency, then the answer."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import html
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Callable, Mapping

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse

from imagecontract import rules
from imagecontract.redact import mask_key
from imagecontract.sandbox import bodies, imaging, streaming, validation
from imagecontract.sandbox.config import SandboxConfig
from imagecontract.sandbox.faults import FaultSet
from imagecontract.sandbox.journal import Journal
from imagecontract.sandbox.messages import ERROR_PAGE, ApiError, ErrorReply
from imagecontract.sandbox.ratelimit import RateLimiter
from imagecontract.sandbox.stats import Stats
from imagecontract.sandbox.store import ImageStore
from imagecontract.sandbox.validation import ImageRequest


@dataclass
class Sandbox:
    """Everything one running app shares between requests."""

    config: SandboxConfig
    faults: FaultSet
    stats: Stats
    store: ImageStore
    limiter: RateLimiter | None
    journal: Journal = field(default_factory=Journal)


def _basic_password(credentials: str) -> str:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[2]


AUTH_SCHEMES: Mapping[str, Callable[[str], str]] = {"bearer": str.strip, "basic": _basic_password}
"""Where the key is in each Authorization scheme: Bearer, or Basic's password (blank user) per the seed."""

ERROR_RENDERERS: Mapping[str, Callable[[ErrorReply], Response]] = {
    "json": lambda reply: JSONResponse(reply.body, reply.status, reply.headers),
    "text": lambda reply: PlainTextResponse(reply.message, reply.status, reply.headers),
    "html": lambda reply: HTMLResponse(
        ERROR_PAGE.format(status=reply.status, reason=_reason(reply.status), message=html.escape(reply.message)),
        reply.status,
        reply.headers,
    ),
}


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def answer(sandbox: Sandbox, request: Request, endpoint: str) -> Response:
    """The full response to `POST /v1/images/{endpoint}`."""
    sandbox.stats.request(endpoint)
    entry = await sandbox.journal.received(request, endpoint)
    with sandbox.stats.answering():
        return sandbox.journal.sent(entry, await _answer(sandbox, request, endpoint))


async def _answer(sandbox: Sandbox, request: Request, endpoint: str) -> Response:
    intercepted = sandbox.faults.intercept()
    if intercepted is not None:
        return intercepted
    if sandbox.faults.hang:
        await asyncio.sleep(sandbox.faults.hang)
    try:
        _authenticate(sandbox, request)
        sandbox.faults.gate(endpoint)
        image_request = await validation.parse(request, endpoint)
        headers = sandbox.limiter.take(image_request.n) if sandbox.limiter else {}
        image_request = sandbox.faults.adjust(image_request)
        delay = _latency(sandbox, image_request)
        response = await _success(sandbox, request, image_request, delay, headers)
    except ApiError as error:
        return sandbox.faults.finish(error_response(sandbox, endpoint, error))
    return sandbox.faults.finish(response)


def error_response(sandbox: Sandbox, endpoint: str | None, error: ApiError) -> Response:
    """An ApiError rendered, after the error faults had their say."""
    sandbox.stats.error(endpoint, rate_limited=error.name == "rate_limited")
    reply = sandbox.faults.error(error.reply())
    return ERROR_RENDERERS[reply.media](reply)


def _authenticate(sandbox: Sandbox, request: Request) -> None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    extract = AUTH_SCHEMES.get(scheme.lower())
    key = extract(credentials) if extract else ""
    if not key:
        raise ApiError("missing_api_key")
    expected = sandbox.config.api_key
    if expected is not None and not hmac.compare_digest(key.encode(), expected.encode()):
        raise ApiError("invalid_api_key", key=key if sandbox.faults.echo_key else mask_key(key))


def _latency(sandbox: Sandbox, request: ImageRequest) -> float:
    """A stable point in the seed's range for this endpoint and size, times the scale."""
    low, high = rules.latency_profile(request.endpoint, request.size)
    return (low + (high - low) * imaging.fraction(request, "latency")) * sandbox.config.latency_scale


async def _success(
    sandbox: Sandbox, request: Request, image_request: ImageRequest, delay: float, headers: dict[str, str]
) -> Response:
    timeout = sandbox.faults.timeout
    if timeout is not None and delay + sandbox.faults.hang > timeout:
        await asyncio.sleep(max(0.0, timeout - sandbox.faults.hang))
        raise ApiError("gateway_timeout", seconds=timeout)
    endpoint = image_request.endpoint
    if image_request.stream:
        events = streaming.events(
            image_request,
            delay,
            sandbox.config.clock,
            sandbox.faults.shape,
            lambda count: sandbox.stats.images(endpoint, count),
        )
        return StreamingResponse(
            events, media_type=streaming.MEDIA_TYPE, headers={"cache-control": "no-cache", **headers}
        )
    await asyncio.sleep(delay)
    files = await asyncio.to_thread(imaging.render, image_request)
    origin = str(request.base_url).rstrip("/")
    content_type = imaging.CONTENT_TYPES[image_request.encoding]

    def publish(data: bytes) -> str:
        return origin + sandbox.store.put(data, image_request.encoding, content_type)

    body = bodies.images_body(image_request, int(sandbox.config.clock()), files, publish)
    sandbox.stats.images(endpoint, len(files))
    return JSONResponse(sandbox.faults.shape(body), headers=headers)
