"""Record and replay through vcrpy: one cassette per request, written only on commit.

Inside `use_cassette`, vcrpy patches httpx's transports, so every request any
`httpx.Client` sends (the API call and the downloads of the images it returns)
is replayed from the cassette or recorded into it. The record modes are
vcrpy's; `cassettes.modes.MODES` says what each means.

Keys are taken out by vcrpy's before-record hooks, which vcrpy also applies
to each new request before matching, so a recording matches a request sent
with another key. Nothing is written until the engine calls `commit()`, which
it does only for a completed exchange. vcrpy patches classes, not one client:
one cassette at a time per process (xdist workers are processes). Only httpx
is patched: the engine sends nothing through another HTTP library.
"""

from __future__ import annotations

import time
from contextlib import ExitStack, contextmanager
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Any, Iterator, Sequence
from unittest import mock

import httpx
import vcr.patch
import vcr.stubs.httpx_stubs as httpx_stubs
from vcr.cassette import Cassette
from vcr.errors import UnhandledHTTPRequestError
from vcr.filters import decode_response
from vcr.patch import CassettePatcherBuilder
from vcr.record_mode import RecordMode as VcrRecordMode
from vcr.request import Request
from vcr.util import read_body

from imagecontract.cassettes.matching import MATCHERS, closest_difference, request_differences
from imagecontract.cassettes.modes import MODES, RecordMode
from imagecontract.cassettes.storage import EVENTS, LATENCY, CassetteStorage, display_path
from imagecontract.errors import CassetteCorrupt, CassetteMissing, RequestChanged
from imagecontract.redact import redact_bytes, redact_headers, redact_url
from imagecontract.run import deadline, http
from imagecontract.sse import is_event, split_events

REPAIR_HINT = "record it again with --record-mode all, or delete it"
"""How to get past a damaged cassette: `all` is the one mode that does not read it."""


SKIPPED_PATCHERS = tuple(name for name in getattr(vcr.patch, "PATCHER_NAMES", ()) if name != "httpx")
"""vcrpy's patcher groups other than httpx's, left out (its `skip_patchers`): every request the engine sends goes
through httpx, and building the other libraries' ~40 patchers for each test cost more than replaying the request."""


class ReplayPace(str, Enum):
    """How a recorded stream is given back: its events at their recorded offsets, or all at once."""

    RECORDED = "recorded"
    INSTANT = "instant"


class _SessionCassette(Cassette):
    """vcrpy's cassette, noting which interaction ran last and explaining a request it cannot play."""

    def __init__(self, *, label: str, **settings: Any) -> None:
        super().__init__(**settings)
        self.label = label
        self.tracking = False
        """Off while vcrpy loads the old recording through `append`, so only new interactions count."""
        self.last: tuple[dict[str, Any], bool] | None = None
        """The response of the latest interaction and whether it was replayed."""
        self.recorded = 0
        self.arrivals: list[tuple[float, int]] | None = None
        """(seconds since the request started, bytes so far) per chunk of the stream being recorded."""

    def can_play_response_for(self, request: Request) -> bool:
        if super().can_play_response_for(request):
            return True
        if self.write_protected:
            raise RequestChanged(f"{self.label}: request changed since recording: {self._difference(request)}")
        return False

    def play_response(self, request: Request) -> dict[str, Any]:
        response = super().play_response(request)
        self.last = (response, True)
        return response

    def replay(self, request: Request) -> dict[str, Any]:
        """The recorded answer to `request`, matched once (not twice, as by `can_play_response_for`)."""
        try:
            return self.play_response(request)
        except UnhandledHTTPRequestError:
            raise RequestChanged(f"{self.label}: request changed since recording: {self._difference(request)}") from None

    def append(self, request: Request, response: dict[str, Any]) -> None:
        if not self.tracking:  # loading: what was written is redacted and decoded already, no hooks or copy needed
            self.data.append((request, response))
            return
        count = len(self.data)
        super().append(request, response)
        arrivals, self.arrivals = self.arrivals, None
        if len(self.data) > count:
            self.last = (self.data[-1][1], False)
            self.recorded += 1
            if arrivals is not None and _is_stream(self.data[-1][1]["headers"]):
                self.data[-1][1][EVENTS] = _timed_events(self.data[-1][1]["body"]["string"], arrivals)

    def _difference(self, request: Request) -> str:
        request = self.filter_request(request)
        recorded = self.requests
        times = sum(not request_differences(old, request) for old in recorded)
        if times:
            return f"{request.method} {request.uri} was sent more often than the {times} time(s) recorded"
        return closest_difference(recorded, request)


class CassetteSession:
    """What the engine holds inside `use_cassette`: latencies, whether it replayed, and the commit."""

    def __init__(self, path: Path, mode: RecordMode, cassette: _SessionCassette, storage: CassetteStorage) -> None:
        self.path = path
        self.mode = mode
        self._cassette = cassette
        self._storage = storage
        self._committed = 0

    @property
    def cassette(self) -> _SessionCassette:
        """vcrpy's cassette behind the session: what the patches, or the replay transport, play from."""
        return self._cassette

    def latency(self, measured: float) -> float:
        """The latency to judge for the interaction that just ran, so budgets hold on replay too.

        Replayed: the latency recorded with it (or `measured` when none was).
        Recorded: `measured` to the microsecond, now stored with it. Call it
        right after each request and the reading of its body, before the next.
        """
        if self._cassette.last is None:
            return measured
        response, replayed = self._cassette.last
        if not replayed:
            response[LATENCY] = round(measured, 6)
        return float(response.get(LATENCY, measured))

    def event_times(self) -> list[float] | None:
        """When each event of the last stream arrived from the target (seconds after the request), or None.

        A recording's are timed at the transport, since vcrpy hands the body over only once it is whole; a
        replay's are the recorded ones, whatever the pace: first-event budgets hold in both.
        """
        if self._cassette.last is None:
            return None
        response, _ = self._cassette.last
        if not response.get(EVENTS):
            return None
        return [at for at, block in response[EVENTS] if is_event(block.decode("utf-8", "replace"))]

    @property
    def replayed(self) -> bool:
        """Whether every interaction so far came from the cassette (true before the first)."""
        return self._cassette.recorded == 0

    def commit(self) -> None:
        """Write the cassette, atomically, when something was recorded since the last commit; else nothing."""
        if self._cassette.recorded == self._committed:
            return
        self._storage.save(self.path, self._cassette.data)
        self._committed = self._cassette.recorded


@contextmanager
def use_cassette(
    path: Path, mode: RecordMode | str, *, base_url: str, secrets: Sequence[str] = (), record_command: str = "",
    pace: ReplayPace | str = ReplayPace.RECORDED,
) -> Iterator[CassetteSession]:
    """Replay or record every httpx request made inside the context, per `mode`.

    Raises CassetteMissing on entering in mode `none` without a cassette,
    CassetteCorrupt when the cassette cannot be read, and RequestChanged from
    the httpx call that sends a request the cassette does not hold (modes
    `none`, and `once` with an existing cassette). `base_url` is the target:
    it is stored as a placeholder, so the cassette replays against any target.

    A `text/event-stream` answer is recorded as its events, each with the
    time it arrived (seconds after the request started, measured on the real
    transport's stream as the chunks come), and replayed as a stream that
    yields each event at that offset, or all at once with `pace` instant.
    """
    session = open_session(path, mode, base_url=base_url, secrets=secrets, record_command=record_command)
    with patched(session.cassette, ReplayPace(pace)):
        yield session


def open_session(path: Path, mode: RecordMode | str, *, base_url: str, secrets: Sequence[str] = (),
                 record_command: str = "") -> CassetteSession:
    """The cassette at `path` loaded (when `mode` reads it) for a session; the errors of `use_cassette`."""
    mode = RecordMode(mode)
    path = Path(path)
    label = display_path(path)
    if not MODES[mode].sends_when_missing and not path.exists():
        how = f"; record it with: {record_command}" if record_command else ""
        raise CassetteMissing(f"no cassette at {label} (replay-only mode){how}")
    storage = CassetteStorage(base_url)
    settings: dict[str, Any] = {
        "label": label,
        "path": path,
        "persister": storage,
        "record_mode": VcrRecordMode(mode.value),
        "match_on": MATCHERS,
        "before_record_request": partial(_redact_request, tuple(secrets)),
        "before_record_response": partial(_redact_response, tuple(secrets)),
        **({"skip_patchers": SKIPPED_PATCHERS} if SKIPPED_PATCHERS else {}),
    }
    try:
        cassette = _SessionCassette.load(**settings) if MODES[mode].reads_cassette else _SessionCassette(**settings)
    except CassetteCorrupt as exc:
        raise CassetteCorrupt(exc.file, exc.location, f"{exc.message}; {REPAIR_HINT}") from None
    cassette.tracking = True
    return CassetteSession(path, mode, cassette, storage)


@contextmanager
def patched(cassette: _SessionCassette, pace: ReplayPace) -> Iterator[None]:
    """vcrpy's patches of httpx for `cassette`: every httpx client in the process replays or records through it."""
    with ExitStack() as patches:
        # vcrpy reads the real stream whole before recording: time its chunks underneath it,
        # and give a replayed stream back event by event.
        real = vcr.patch._HttpxHttpTransport_handle_request
        patches.enter_context(mock.patch.object(
            vcr.patch, "_HttpxHttpTransport_handle_request", _timed_handle_request(cassette, real)))
        deserialize = httpx_stubs._deserialize_response
        patches.enter_context(mock.patch.object(
            httpx_stubs, "_deserialize_response", partial(_paced_response, deserialize, pace)))
        for patcher in CassettePatcherBuilder(cassette).build():
            patches.enter_context(patcher)
        yield


def _redact_request(secrets: tuple[str, ...], request: Request) -> Request:
    """The request as it may be written: no key in its URL, headers or body."""
    body = read_body(request)
    return Request(
        request.method,
        redact_url(request.uri, secrets),
        redact_bytes(body, secrets) if body else body,
        redact_headers(dict(request.headers), secrets),
    )


def _redact_response(secrets: tuple[str, ...], response: dict[str, Any]) -> dict[str, Any]:
    """The response as it may be written: decompressed (to stay readable) and with no key in it."""
    response = decode_response(response)
    body = response["body"]["string"]
    clean = redact_bytes(body, secrets) if body else body
    headers = redact_headers(response["headers"], secrets)
    if clean != body:
        headers = {name: [str(len(clean))] if name.lower() == "content-length" else values
                   for name, values in headers.items()}
    return {**response, "headers": headers, "body": {**response["body"], "string": clean}}


def _is_stream(headers: Any) -> bool:
    for name, values in headers.items():
        if name.lower() == "content-type":
            value = values[0] if isinstance(values, list) else values
            return str(value).lower().startswith("text/event-stream")
    return False


def _timed_handle_request(cassette: _SessionCassette, real: Any) -> Any:
    """The real transport's `handle_request`, its response stream held to the request's deadline and body cap
    (vcrpy reads it whole before the caller sees a byte) and, for a stream, noting when each chunk arrives."""

    def handle_request(transport: Any, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        response = real(transport, request)
        arrivals: list[tuple[float, int]] = []
        if _is_stream(response.headers):
            cassette.arrivals = arrivals
        response.stream = _GuardedStream(response, started, arrivals, deadline.of(request.extensions), str(request.url))
        return response

    return handle_request


class _GuardedStream(httpx.SyncByteStream):
    def __init__(self, response: httpx.Response, started: float, arrivals: list[tuple[float, int]],
                 limit: deadline.Deadline | None, url: str) -> None:
        self._response = response
        self._stream = response.stream
        self._started = started
        self._arrivals = arrivals
        self._limit = limit
        self._url = url

    def __iter__(self) -> Iterator[bytes]:
        size = 0
        with deadline.watchdog(self._limit, self._response):
            for chunk in deadline.guarded(self._stream, self._limit, http.MAX_BODY_BYTES, self._url):
                size += len(chunk)
                self._arrivals.append((time.perf_counter() - self._started, size))
                yield chunk

    def close(self) -> None:
        self._stream.close()


def _timed_events(body: bytes, arrivals: list[tuple[float, int]]) -> list[tuple[float, bytes]]:
    """Each event of `body` with the time the chunk completing it arrived.

    Offsets are found by byte position, scaled to the recorded body when
    redaction changed its length.
    """
    if not arrivals:
        return [(0.0, block) for block in split_events(body)]
    total = arrivals[-1][1] or 1
    scale = total / max(len(body), 1)
    events = []
    position = 0
    for block in split_events(body):
        position += len(block)
        wanted = min(position * scale, total)
        at = next((when for when, size in arrivals if size >= wanted), arrivals[-1][0])
        events.append((round(at, 6), block))
    return events


def _paced_response(deserialize: Any, pace: ReplayPace, vcr_response: dict[str, Any], httpx_module: Any) -> Any:
    response = deserialize(vcr_response, httpx_module)
    events = vcr_response.get(EVENTS)
    if events and pace is ReplayPace.RECORDED:
        response.stream = _PacedStream(events)
    elif events:
        response.stream = httpx.ByteStream(b"".join(block for _, block in events))
    return response


class _PacedStream(httpx.SyncByteStream):
    """The recorded events, each yielded at its offset from when the replayed request was answered."""

    def __init__(self, events: Sequence[tuple[float, bytes]]) -> None:
        self._events = list(events)
        self._started = time.perf_counter()

    def __iter__(self) -> Iterator[bytes]:
        for at, block in self._events:
            wait = self._started + at - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            yield block
