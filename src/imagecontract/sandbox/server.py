"""Running the sandbox in-process on a free loopback port, for tests and the runner."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import uvicorn

from imagecontract.sandbox.app import create_app
from imagecontract.sandbox.config import SandboxConfig
from imagecontract.sandbox.pipeline import Sandbox

LOOPBACK = "127.0.0.1"
STARTUP_TIMEOUT = 10.0
SHUTDOWN_GRACE = 1


@dataclass
class RunningSandbox:
    """A started sandbox: `base_url` is what an OpenAI client takes (`.../v1`)."""

    origin: str
    config: SandboxConfig
    state: Sandbox

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    def stats(self) -> dict[str, Any]:
        """The same counters as `GET /_sandbox/stats`."""
        return self.state.stats.snapshot()


def bind(host: str, port: int) -> socket.socket:
    """A listening-ready socket; port 0 picks a free one; the connections it accepts send without Nagle's delay.

    asyncio sets `TCP_NODELAY` on an accepted socket only when its protocol number says TCP, and a socket made
    without one (proto 0) passes that on: every answer on a kept-alive connection then waited ~40 ms for the
    client's delayed ACK. Naming the protocol lets asyncio set it; the listener's own option is inherited on Linux.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    return sock


def make_server(config: SandboxConfig, log_level: str = "warning") -> uvicorn.Server:
    """A uvicorn server for a new app; it gives in-flight requests a second on shutdown, no more."""
    app = create_app(config)
    return uvicorn.Server(
        uvicorn.Config(
            app,
            log_level=log_level,
            lifespan="off",
            timeout_graceful_shutdown=SHUTDOWN_GRACE,
            access_log=False,
        )
    )


@contextmanager
def running_sandbox(config: SandboxConfig | None = None, *, port: int = 0, **overrides: Any) -> Iterator[RunningSandbox]:
    """Start a sandbox on 127.0.0.1 (`port`, or a free one) in a background thread; stop it on exit.

    `overrides` replace fields of `config` (or of the defaults), e.g.
    `running_sandbox(latency_scale=0, faults=["error-500=2"])`.
    """
    config = dataclasses.replace(config or SandboxConfig(), **overrides)
    server = make_server(config)
    sock = bind(LOOPBACK, port)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="imagecontract-sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the sandbox server did not start")
        time.sleep(0.002)
    port = sock.getsockname()[1]
    try:
        yield RunningSandbox(f"http://{LOOPBACK}:{port}", config, server.config.app.state.sandbox)
    finally:
        server.should_exit = True
        thread.join(STARTUP_TIMEOUT)
        sock.close()
