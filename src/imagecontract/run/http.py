"""Sending one request through the run's shared `httpx.Client` and reading the answer.

The body is read as a stream so a huge or endless body is cut at a limit,
server-sent events keep their arrival times, and every transport failure
becomes one `TransportError` that names the URL and the cause.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
from typing import Iterable, Iterator

import httpx

from imagecontract.errors import ImageContractError, TransportError
from imagecontract.exchange import ReceivedResponse, SentRequest, StreamEvent
from imagecontract.images import human_size
from imagecontract.multipart import text_only_multipart
from imagecontract.run import bounded_backend, deadline
from imagecontract.run.bodyshape import MAX_JSON_DEPTH, json_too_deep
from imagecontract.sse import BlockReader, parse_event

MAX_BODY_BYTES = 256 * 1024 * 1024
"""Ten 1536x1024 PNGs in base64 are far below this; anything larger is a broken target.
Read at each call (not bound as a default), so a test can lower it to exercise the cut cheaply."""

MAX_EVENT_BYTES = 64 * 1024 * 1024
"""A partial image of the largest size and quality is a few MB of base64; an event this long never ends."""

DEFAULT_TIMEOUT_SECONDS = 120.0
"""The API's slowest documented answer is an edit at 15-17 s; gateways may queue."""


KEEPALIVE_EXPIRY_SECONDS = 2.0
"""How long the client reuses an idle connection. uvicorn-based gateways (LiteLLM, the sandbox) close idle
connections after 5 s, httpx's own default: a request sent on one just as the server closes it is reset
(ECONNRESET), so the client lets go well before."""


def new_client(*, verify: bool | str = True, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """The one client a run shares: building one costs ~30 ms of SSL setup. With `transport` (the cassette
    replayer), that transport answers every request: no proxy from the environment, no connection."""
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS)
    return httpx.Client(
        timeout=httpx.Timeout(DEFAULT_TIMEOUT_SECONDS, connect=10.0), follow_redirects=False,
        transport=transport or bounded_backend.install(httpx.HTTPTransport(verify=verify, limits=limits)),
        trust_env=transport is None,
    )


def to_httpx(client: httpx.Client, sent: SentRequest, timeout: float | None) -> httpx.Request:
    """Build the wire request: JSON, or multipart with text fields and file parts in order."""
    extensions = {"timeout": httpx.Timeout(timeout).as_dict()} if timeout else None
    if sent.files:
        files = [(part.field, (part.filename, part.data, part.content_type)) for part in sent.files]
        request = client.build_request(
            sent.method, sent.url, headers=sent.headers, data=sent.form, files=files, extensions=extensions
        )
        request.read()  # the parts joined once, so the form goes out in one write, not one per part header and CRLF
        return request
    if sent.form:
        content, content_type = text_only_multipart(sent.form)
        headers = {**sent.headers, "Content-Type": content_type}
        return client.build_request(sent.method, sent.url, headers=headers, content=content, extensions=extensions)
    if sent.raw is not None:
        return client.build_request(sent.method, sent.url, headers=sent.headers, content=sent.raw.encode(), extensions=extensions)
    if sent.json is not None:
        return client.build_request(sent.method, sent.url, headers=sent.headers, json=sent.json, extensions=extensions)
    return client.build_request(sent.method, sent.url, headers=sent.headers, extensions=extensions)


def send(client: httpx.Client, sent: SentRequest, *, timeout: float | None = None, max_body: int | None = None) -> ReceivedResponse:
    """Send `sent` and read the whole answer; `elapsed` runs until the last byte.

    `timeout` (default `DEFAULT_TIMEOUT_SECONDS`) bounds each wait and the whole exchange, streams included.
    """
    max_body = MAX_BODY_BYTES if max_body is None else max_body
    seconds = timeout or DEFAULT_TIMEOUT_SECONDS
    limit = deadline.Deadline(seconds, sent.url)
    request = _build(client, sent, seconds)
    request.extensions[deadline.EXTENSION] = limit
    started = time.perf_counter()
    with _failures_named(limit), bounded_backend.bounding(limit):
        response = client.send(request, stream=True)
        try:
            headers = {name.lower(): value for name, value in response.headers.items()}
            _refuse_declared_size(headers, max_body, sent.url)
            with deadline.watchdog(limit, response):
                chunks = deadline.guarded(response.iter_bytes(), limit, max_body, sent.url)
                if headers.get("content-type", "").startswith("text/event-stream"):
                    body, events = read_events(chunks, started, sent.url)
                else:
                    body, events = b"".join(chunks), None
        finally:
            response.close()
    if json_too_deep(body):
        raise TransportError(f"{sent.url}: the response nests more than {MAX_JSON_DEPTH} levels of JSON arrays and objects; "
                             f"no Images API answer does, so it is not parsed")
    return ReceivedResponse(
        status=response.status_code,
        headers=headers,
        body=body,
        elapsed=time.perf_counter() - started,
        events=events,
    )


@contextlib.contextmanager
def _failures_named(limit: deadline.Deadline) -> Iterator[None]:
    """httpx's errors as one `TransportError` naming the URL and the cause; a read the watchdog cut, or one that
    timed out once the headers had come, as the deadline."""
    try:
        yield
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        if limit.expired() and (limit.answered or not isinstance(exc, httpx.TimeoutException)):
            raise limit.error() from None
        raise TransportError(describe_transport_error(exc, limit.url)) from None


def _build(client: httpx.Client, sent: SentRequest, timeout: float | None) -> httpx.Request:
    """The wire request, or why it cannot be put on the wire as one clear error (httpx's own would be
    a traceback): a header that is not ASCII, or a URL httpx rejects (a non-numeric port, say)."""
    for name, value in sent.headers.items():
        if not str(value).isascii() or not str(name).isascii():
            raise ImageContractError(
                f"{sent.url}: header {name!r} is not ASCII ({str(value)[:40]!r}); HTTP headers carry ASCII only, "
                f"so put such text in the body or percent-encode it"
            )
    try:
        return to_httpx(client, sent, timeout)
    except httpx.InvalidURL as exc:
        raise TransportError(describe_transport_error(exc, sent.url)) from None
    except ValueError as exc:
        raise ImageContractError(f"{sent.url}: the JSON body cannot be sent ({exc}): JSON has no NaN or Infinity; "
                                 f"use a finite number, or a raw `body:` for a malformed-input case") from None


def _refuse_declared_size(headers: dict[str, str], max_body: int, url: str) -> None:
    """Fail before reading a body whose declared Content-Length is already over the cap."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_body:
        raise TransportError(f"{url}: response body of {human_size(int(declared))} (its Content-Length) "
                             f"exceeds the {human_size(max_body)} limit; not read")


def read_events(chunks: Iterable[bytes], started: float, url: str) -> tuple[bytes, list[StreamEvent]]:
    """Parse `text/event-stream` as it arrives (the SSE framing rules, minus retry/id, which the API does not use).

    Each chunk is searched once (linear in the body, however it is cut), and an event that grows past
    `MAX_EVENT_BYTES` without ending (one endless line) stops the reading.
    """
    raw: list[bytes] = []
    events: list[StreamEvent] = []
    reader = BlockReader()
    for chunk in chunks:
        raw.append(chunk)
        for block in reader.feed(chunk):
            events.extend(_parsed(block, started))
        if reader.pending > MAX_EVENT_BYTES:
            raise TransportError(f"{url}: a server-sent event grew past {human_size(MAX_EVENT_BYTES)} without ending; "
                                 f"stopped reading")
    rest = reader.rest()
    if rest.strip():
        events.extend(_parsed(rest, started))
    return b"".join(raw), events


def _parsed(block: bytes, started: float) -> list[StreamEvent]:
    event = parse_event(block.decode("utf-8", "replace"), time.perf_counter() - started)
    return [] if event is None else [event]


def download(client: httpx.Client, url: str, *, max_body: int | None = None, timeout: float | None = None) -> bytes:
    """GET an image handed out in `url` mode (no key: such URLs are pre-signed), within `timeout` as `send`."""
    max_body = MAX_BODY_BYTES if max_body is None else max_body
    limit = deadline.Deadline(timeout or DEFAULT_TIMEOUT_SECONDS, url)
    with _failures_named(limit), bounded_backend.bounding(limit):
        request = client.build_request("GET", url, extensions={"timeout": httpx.Timeout(limit.seconds).as_dict(),
                                                                deadline.EXTENSION: limit})
        response = client.send(request, stream=True)
        try:
            _refuse_declared_size({name.lower(): value for name, value in response.headers.items()}, max_body, url)
            with deadline.watchdog(limit, response):
                body = b"".join(deadline.guarded(response.iter_bytes(), limit, max_body, url))
        finally:
            response.close()
    if response.status_code != 200:
        raise TransportError(f"{url}: image download answered HTTP {response.status_code}")
    return body


_CAUSES: tuple[tuple[type[BaseException], str], ...] = (
    (socket.gaierror, "DNS lookup failed: the host name does not resolve"),
    (ssl.SSLCertVerificationError, "TLS certificate verification failed"),
    (ssl.SSLError, "TLS handshake failed"),
    (ConnectionRefusedError, "connection refused: nothing listens at that address"),
)

_KINDS: tuple[tuple[type[Exception], str], ...] = (
    (httpx.ConnectTimeout, "timed out while connecting"),
    (httpx.ReadTimeout, "timed out waiting for the response (the target hangs or is slower than the timeout)"),
    (httpx.WriteTimeout, "timed out while sending the request"),
    (httpx.PoolTimeout, "timed out waiting for a free connection"),
    (httpx.RemoteProtocolError, "the connection closed before the whole response arrived (truncated body)"),
    (httpx.ConnectError, "could not connect"),
    (httpx.ReadError, "the connection failed while reading the response"),
    (httpx.UnsupportedProtocol, "unsupported URL scheme; use http:// or https://"),
    (httpx.InvalidURL, "not a valid URL"),
)


def describe_transport_error(exc: BaseException, url: str) -> str:
    """`URL: what happened (detail)`, most specific cause first."""
    inner: BaseException | None = exc
    while inner is not None:
        for kind, text in _CAUSES:
            if isinstance(inner, kind):
                return f"{url}: {text} ({inner})"
        inner = inner.__cause__ or inner.__context__
    for kind, text in _KINDS:
        if isinstance(exc, kind):
            detail = str(exc)
            return f"{url}: {text}" + (f" ({detail})" if detail else "")
    return f"{url}: {type(exc).__name__}: {exc}"
