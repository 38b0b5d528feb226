"""Fixtures for the sandbox's own tests."""

from __future__ import annotations

from typing import Callable

import openai
import pytest
from sandbox_helpers import KEY, client_for

from imagecontract.sandbox import RunningSandbox


@pytest.fixture(scope="session")
def client(sandbox_url: str) -> openai.OpenAI:
    """An SDK client for the seed-era session sandbox (no retries, so failures surface at once)."""
    return client_for(sandbox_url)


@pytest.fixture(scope="session")
def today_client(today_sandbox_url: str) -> openai.OpenAI:
    """An SDK client for the session sandbox serving today's API."""
    return client_for(today_sandbox_url)


@pytest.fixture
def client_of() -> Callable[..., openai.OpenAI]:
    """`client_of(server, api_key=...)`: an SDK client for a server from the `sandbox` factory."""

    def make(server: RunningSandbox, api_key: str = KEY) -> openai.OpenAI:
        return client_for(server.base_url, api_key)

    return make
