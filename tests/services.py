"""Programs from Debian that some tests need (redis-server, chromium), and a real redis-server on 127.0.0.1.

Without a program the tests that need it skip with the install command; `.ci/run`
installs them and sets IMAGECONTRACT_REQUIRE_SERVICES=1, which turns that skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest

REDIS_SERVER = "redis-server"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """One redis-server process: no persistence, loopback only, stoppable mid-test."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not start on 127.0.0.1:{self.port}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def require_program(program: str, package: str) -> str:
    """The program's path; else skip (fail under IMAGECONTRACT_REQUIRE_SERVICES) naming the package to install."""
    found = shutil.which(program)
    if found is None:
        message = f"needs Debian's {program} (apt-get install {package}; .ci/run installs it)"
        if os.environ.get("IMAGECONTRACT_REQUIRE_SERVICES"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    require_program(REDIS_SERVER, "redis-server")
    server = RedisServer(tmp_path)
    try:
        yield server
    finally:
        server.stop()
