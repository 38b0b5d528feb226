"""Fixtures shared by every test package: a local Images API sandbox."""

from __future__ import annotations

import ssl
import subprocess
import threading
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Callable, Iterator

import httpcore  # noqa: F401  (see below)
import pytest

from imagecontract.rules import SEED_ERA
from imagecontract.sandbox import RunningSandbox, running_sandbox
from services import free_port

pytest_plugins = ["pytester"]

# httpx imports httpcore lazily. pytester's in-process runs drop modules first imported
# inside them, so a later run would re-import httpcore with new exception classes that
# httpx no longer maps to its own; importing it here keeps one copy for the whole session.


SEED_ERA_DAY = SEED_ERA.isoformat()
"""The machinery tests (cassettes, reports, budgets, shards, merges...) were written with the seed-era requests
(dall-e-2 url mode, variations): unless a test says otherwise, its sandbox serves the API as of this day and its
runs judge targets as of it (IMAGECONTRACT_AS_OF, the default of --as-of). Tests of today's API say so:
`sandbox(as_of=None)`, `today_sandbox_url`, `--as-of today`."""


@pytest.fixture(autouse=True)
def seed_era_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs started by a test judge their target as of the seed era unless the test passes --as-of."""
    monkeypatch.setenv("IMAGECONTRACT_AS_OF", SEED_ERA_DAY)


@pytest.fixture
def sandbox() -> Iterator[Callable[..., RunningSandbox]]:
    """A factory: `srv = sandbox(faults=["error-500=2"], rate_limit=5)`; every server stops at teardown.

    Latency defaults to 0 so tests answer at once; pass `latency_scale=` to slow one down. The API is the seed
    era's unless `as_of=` is given (None: today).
    """
    with ExitStack() as stack:

        def start(**overrides: Any) -> RunningSandbox:
            overrides.setdefault("latency_scale", 0.0)
            overrides.setdefault("as_of", SEED_ERA)
            return stack.enter_context(running_sandbox(**overrides))

        yield start


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[RunningSandbox]:
    """One seed-era sandbox for the whole session: no latency, no faults, no rate limit, any key."""
    with running_sandbox(latency_scale=0.0, as_of=SEED_ERA) as server:
        yield server


@pytest.fixture(scope="session")
def sandbox_url(sandbox_server: RunningSandbox) -> str:
    """The session seed-era sandbox's base URL, `http://127.0.0.1:PORT/v1`."""
    return sandbox_server.base_url


@pytest.fixture(scope="session")
def today_sandbox() -> Iterator[RunningSandbox]:
    """One sandbox serving today's API for the whole session: no latency, no faults, no rate limit, any key."""
    with running_sandbox(latency_scale=0.0) as server:
        yield server


@pytest.fixture(scope="session")
def today_sandbox_url(today_sandbox: RunningSandbox) -> str:
    return today_sandbox.base_url


@pytest.fixture
def refused_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens (a port just freed), so connecting is refused."""
    return f"http://127.0.0.1:{free_port()}/v1"


@pytest.fixture(scope="session")
def self_signed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An HTTPS server on 127.0.0.1 whose certificate no client trusts: its base URL (needs `openssl`)."""
    directory = tmp_path_factory.mktemp("tls")
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


DEMO_CHAIN = """\
  - name: generate b64
    path: /images/generations
    json: {model: dall-e-2, prompt: a cat, size: 256x256, response_format: b64_json}
    expect:
      images: {count: 1, format: png, size: 256x256}
    save:
      cat: {image: 0}
  - name: variation url
    path: /images/variations
    form:
      fields: {size: 256x256}
      files:
        image: {saved: cat}
    expect:
      images: {count: 1, format: png, size: 256x256}
"""
"""A b64 generation whose image a url-mode variation uploads: the smallest chained collection."""

MISSING_PROMPT = """\
  - name: missing prompt
    path: /images/generations
    json: {model: dall-e-2}
    expect:
      status: 400
      error: {type: invalid_request_error, param: prompt}
"""
"""A request that expects the API's 400 for a missing prompt."""


@pytest.fixture
def make_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Callable[..., pytest.Pytester]:
    """A user project: `make_project(extra_requests)` writes collections/demo.yaml (the demo chain
    plus `extra_requests`, and with `with_error` a missing-prompt request) and puts `key` in OPENAI_API_KEY."""

    def make(extra_requests: str = "", *, key: str = "ic-test-key", with_error: bool = False) -> pytest.Pytester:
        (pytester.path / "collections").mkdir(exist_ok=True)
        (pytester.path / "collections" / "demo.yaml").write_text(
            "name: Demo\nrequests:\n" + DEMO_CHAIN + extra_requests + (MISSING_PROMPT if with_error else "")
        )
        monkeypatch.setenv("OPENAI_API_KEY", key)
        monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
        return pytester

    return make
