"""The raw-socket server factory the hardening tests point user projects at (127.0.0.1 only)."""

from __future__ import annotations

from typing import Callable, Iterator

import pytest
from raw_http import RawServer, Script


@pytest.fixture
def raw_server() -> Iterator[Callable[[Script], RawServer]]:
    """A factory: `raw_server(script).url`; every server stops at teardown."""
    servers: list[RawServer] = []

    def start(script: Script) -> RawServer:
        servers.append(RawServer(script))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()

