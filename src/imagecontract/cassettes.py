"""Record and replay through vcrpy: one cassette per request, written only on commit.

Inside `use_cassette`, vcrpy patches httpx's transports, so every request any
`httpx.Client` sends (the API call and the downloads of the images it returns)
is replayed from the cassette or recorded into it. The record modes are
vcrpy's:

    none          replay only: a missing cassette or an unmatched request fails, and nothing connects
    once          replay an existing cassette as `none` does; record a missing one
    new_episodes  replay what matches, record the rest and add it
    all           record everything; the old cassette is not read, and stays until commit replaces it

Keys are taken out by vcrpy's before-record hooks, which vcrpy also applies
to each new request before matching, so a recording matches a request sent
with another key. Nothing is written until the engine calls `commit()`, which
it does only for a completed exchange. vcrpy patches classes, not one client:
one cassette at a time per process (xdist workers are processes).
"""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Any, Iterator, Sequence

from vcr.cassette import Cassette
from vcr.filters import decode_response
from vcr.patch import CassettePatcherBuilder
from vcr.record_mode import RecordMode as VcrRecordMode
from vcr.request import Request
from vcr.util import read_body

from imagecontract.cassette_storage import LATENCY, CassetteStorage, display_path
from imagecontract.errors import CassetteCorrupt, CassetteMissing, RequestChanged
from imagecontract.matching import MATCHERS, closest_difference, request_differences
from imagecontract.redact import redact_bytes, redact_headers, redact_url

REPAIR_HINT = "record it again with --record-mode all, or delete it"
"""How to get past a damaged cassette: `all` is the one mode that does not read it."""


class RecordMode(str, Enum):
    """When a cassette is recorded; the values and meanings are vcrpy's."""

    NONE = "none"
    ONCE = "once"
    NEW_EPISODES = "new_episodes"
    ALL = "all"


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

    def append(self, request: Request, response: dict[str, Any]) -> None:
        count = len(self.data)
        super().append(request, response)
        if self.tracking and len(self.data) > count:
            self.last = (self.data[-1][1], False)
            self.recorded += 1

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
) -> Iterator[CassetteSession]:
    """Replay or record every httpx request made inside the context, per `mode`.

    Raises CassetteMissing on entering in mode `none` without a cassette,
    CassetteCorrupt when the cassette cannot be read, and RequestChanged from
    the httpx call that sends a request the cassette does not hold (modes
    `none`, and `once` with an existing cassette). `base_url` is the target:
    it is stored as a placeholder, so the cassette replays against any target.
    """
    mode = RecordMode(mode)
    path = Path(path)
    label = display_path(path)
    if mode is RecordMode.NONE and not path.exists():
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
    }
    try:
        cassette = _SessionCassette(**settings) if mode is RecordMode.ALL else _SessionCassette.load(**settings)
    except CassetteCorrupt as exc:
        raise CassetteCorrupt(exc.file, exc.location, f"{exc.message}; {REPAIR_HINT}") from None
    cassette.tracking = True
    with ExitStack() as patches:
        for patcher in CassettePatcherBuilder(cassette).build():
            patches.enter_context(patcher)
        yield CassetteSession(path, mode, cassette, storage)


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
