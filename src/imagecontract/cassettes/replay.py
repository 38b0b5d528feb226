"""Replaying a cassette without vcrpy's patches: a client whose transport asks the cassette.

`use_cassette` patches httpx's transport classes on entering each cassette and restores them on leaving, so
every client in the process replays or records (6 patchers built and applied per test). A cassette that can
only be replayed (mode `none`, or `once` with the file present: vcrpy's `write_protected`) needs none of it:
the engine sends through the client `recorded` gives, whose transport plays from the cassette. The cassette
is still vcrpy's (`session._SessionCassette`): the same loading, matchers, play counts and
`request changed since recording: ...` errors. A cassette that may record is patched as before.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import httpx
import vcr.stubs.httpx_stubs as httpx_stubs
from vcr.request import Request

from imagecontract.cassettes.modes import RecordMode
from imagecontract.cassettes.session import CassetteSession, ReplayPace, _paced_response, open_session, patched
from imagecontract.errors import RequestChanged
from imagecontract.run.http import new_client


class CassetteTransport(httpx.BaseTransport):
    """Answers each request from the cassette being replayed; never opens a connection."""

    def __init__(self) -> None:
        self.playing: tuple[CassetteSession, ReplayPace] | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.playing is None:
            raise RequestChanged(f"{request.method} {request.url}: no cassette is being replayed")
        session, pace = self.playing
        played = Request(request.method, str(request.url), request.read(), request.headers)
        return _paced_response(httpx_stubs._deserialize_response, pace, session.cassette.replay(played), httpx)


_replayer: list[tuple[httpx.Client, CassetteTransport]] = []


def _replay_client() -> tuple[httpx.Client, CassetteTransport]:
    """The process's one replaying client (built on first use), and its transport."""
    if not _replayer:
        transport = CassetteTransport()
        _replayer.append((new_client(transport=transport), transport))
    return _replayer[0]


@contextmanager
def recorded(
    path: Path, mode: RecordMode | str, *, base_url: str, secrets: Sequence[str] = (), record_command: str = "",
    pace: ReplayPace | str = ReplayPace.RECORDED,
) -> Iterator[tuple[CassetteSession, httpx.Client | None]]:
    """`use_cassette`'s session and, when the cassette can only be replayed, the client to send through
    (None: httpx is patched, and any client replays or records)."""
    session = open_session(path, mode, base_url=base_url, secrets=secrets, record_command=record_command)
    if not session.cassette.write_protected:
        with patched(session.cassette, ReplayPace(pace)):
            yield session, None
        return
    client, transport = _replay_client()
    transport.playing = (session, ReplayPace(pace))
    try:
        yield session, client
    finally:
        transport.playing = None
