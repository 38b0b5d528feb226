"""Sending one request through the run's shared `httpx.Client` and reading the answer.

The body is read as a stream so a huge or endless body is cut at a limit,
server-sent events keep their arrival times, and every transport failure
becomes one `TransportError` that names the URL and the cause.
"""

from __future__ import annotations

import socket
import ssl
import time
from typing import Iterator

import httpx

from imagecontract.errors import ImageContractError, TransportError
from imagecontract.exchange import ReceivedResponse, SentRequest, StreamEvent
from imagecontract.images import human_size
from imagecontract.multipart import text_only_multipart
from imagecontract.sse import BlockReader, parse_event

MAX_BODY_BYTES = 256 * 1024 * 1024
"""Ten 1536x1024 PNGs in base64 are far below this; anything larger is a broken target.
Read at each call (not bound as a default), so a test can lower it to exercise the cut cheaply."""

DEFAULT_TIMEOUT_SECONDS = 120.0
"""The API's slowest documented answer is an edit at 15-17 s; gateways may queue."""


KEEPALIVE_EXPIRY_SECONDS = 2.0
"""How long the client reuses an idle connection. uvicorn-based gateways (LiteLLM, the sandbox) close idle
connections after 5 s, httpx's own default: a request sent on one just as the server closes it is reset
(ECONNRESET), so the client lets go well before."""


def new_client(*, verify: bool | str = True) -> httpx.Client:
    """The one client a run shares: building one costs ~30 ms of SSL setup."""
    return httpx.Client(
        timeout=httpx.Timeout(DEFAULT_TIMEOUT_SECONDS, connect=10.0), verify=verify, follow_redirects=False,
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS),
    )


def to_httpx(client: httpx.Client, sent: SentRequest, timeout: float | None) -> httpx.Request:
    """Build the wire request: JSON, or multipart with text fields and file parts in order."""
    extensions = {"timeout": httpx.Timeout(timeout).as_dict()} if timeout else None
    if sent.files:
        files = [(part.field, (part.filename, part.data, part.content_type)) for part in sent.files]
        return client.build_request(
            sent.method, sent.url, headers=sent.headers, data=sent.form, files=files, extensions=extensions
        )
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
    """Send `sent` and read the whole answer; `elapsed` runs until the last byte."""
    max_body = MAX_BODY_BYTES if max_body is None else max_body
    request = _build(client, sent, timeout)
    started = time.perf_counter()
    try:
        response = client.send(request, stream=True)
        try:
            headers = {name.lower(): value for name, value in response.headers.items()}
            _refuse_declared_size(headers, max_body, sent.url)
            if headers.get("content-type", "").startswith("text/event-stream"):
                body, events = _read_events(response, started, max_body, sent.url)
            else:
                body, events = _read_body(response, max_body, sent.url), None
        finally:
            response.close()
    except httpx.HTTPError as exc:
        raise TransportError(describe_transport_error(exc, sent.url)) from None
    return ReceivedResponse(
        status=response.status_code,
        headers=headers,
        body=body,
        elapsed=time.perf_counter() - started,
        events=events,
    )


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


def _refuse_declared_size(headers: dict[str, str], max_body: int, url: str) -> None:
    """Fail before reading a body whose declared Content-Length is already over the cap."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_body:
        raise TransportError(f"{url}: response body of {human_size(int(declared))} (its Content-Length) "
                             f"exceeds the {human_size(max_body)} limit; not read")


def _capped_chunks(response: httpx.Response, max_body: int, url: str) -> Iterator[bytes]:
    """The body's chunks, stopping with a clear error once `max_body` bytes have come."""
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_body:
            raise TransportError(f"{url}: response body exceeds the {human_size(max_body)} limit; stopped reading")
        yield chunk


def _read_body(response: httpx.Response, max_body: int, url: str) -> bytes:
    return b"".join(_capped_chunks(response, max_body, url))


def _read_events(response: httpx.Response, started: float, max_body: int, url: str) -> tuple[bytes, list[StreamEvent]]:
    """Parse `text/event-stream` as it arrives, each event timed when the chunk completing it came."""
    raw: list[bytes] = []
    events: list[StreamEvent] = []
    reader = BlockReader()
    for chunk in _capped_chunks(response, max_body, url):
        raw.append(chunk)
        for block in reader.feed(chunk):
            events.extend(_parsed(block, started))
    rest = reader.rest()
    if rest.strip():
        events.extend(_parsed(rest, started))
    return b"".join(raw), events


def _parsed(block: bytes, started: float) -> list[StreamEvent]:
    event = parse_event(block.decode("utf-8", "replace"), time.perf_counter() - started)
    return [] if event is None else [event]


def download(client: httpx.Client, url: str, *, max_body: int | None = None) -> bytes:
    """GET an image handed out in `url` mode (no key: such URLs are pre-signed)."""
    max_body = MAX_BODY_BYTES if max_body is None else max_body
    try:
        with client.stream("GET", url) as response:
            _refuse_declared_size({name.lower(): value for name, value in response.headers.items()}, max_body, url)
            body = _read_body(response, max_body, url)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise TransportError(describe_transport_error(exc, url)) from None
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
