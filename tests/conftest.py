"""Fixtures shared by every test package: a local Images API sandbox."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any, Callable, Iterator

import httpcore  # noqa: F401  (see below)
import pytest

from imagecontract.sandbox import RunningSandbox, running_sandbox

pytest_plugins = ["pytester"]

# httpx imports httpcore lazily. pytester's in-process runs drop modules first imported
# inside them, so a later run would re-import httpcore with new exception classes that
# httpx no longer maps to its own; importing it here keeps one copy for the whole session.


@pytest.fixture
def sandbox() -> Iterator[Callable[..., RunningSandbox]]:
    """A factory: `srv = sandbox(faults=["error-500=2"], rate_limit=5)`; every server stops at teardown.

    Latency defaults to 0 so tests answer at once; pass `latency_scale=` to slow one down.
    """
    with ExitStack() as stack:

        def start(**overrides: Any) -> RunningSandbox:
            overrides.setdefault("latency_scale", 0.0)
            return stack.enter_context(running_sandbox(**overrides))

        yield start


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[RunningSandbox]:
    """One sandbox for the whole session: no latency, no faults, no rate limit, any key."""
    with running_sandbox(latency_scale=0.0) as server:
        yield server


@pytest.fixture(scope="session")
def sandbox_url(sandbox_server: RunningSandbox) -> str:
    """The session sandbox's base URL, `http://127.0.0.1:PORT/v1`."""
    return sandbox_server.base_url


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
