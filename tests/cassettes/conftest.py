"""Fixtures that start the cassette tests' image server (`image_server.py`) and an httpx client."""

from __future__ import annotations

from typing import Callable, Iterator

import httpx
import pytest
from image_server import ImageServer


@pytest.fixture
def start_server() -> Iterator[Callable[[], ImageServer]]:
    """A factory of servers on free ports; all stop at teardown."""
    servers: list[ImageServer] = []

    def start() -> ImageServer:
        servers.append(ImageServer())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def api(start_server: Callable[[], ImageServer]) -> ImageServer:
    return start_server()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """One client shared by every request of a test, as the engine shares one per run."""
    with httpx.Client(timeout=5.0) as shared:
        yield shared
