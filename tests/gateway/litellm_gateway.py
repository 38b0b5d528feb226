"""LiteLLM's proxy (PyPI `litellm[proxy]`), a real open-source gateway, run offline on loopback in its own venv.

It lives in `.cache/litellm-venv` (never in the project's venv: its pins are not ours); `.ci/run` installs it with
LITELLM_INSTALL below. Without it the tests that need it skip, naming the package and that command.
"""

from __future__ import annotations

import os
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from imagecontract import rules

from services import free_port

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".cache" / "litellm-venv"
PACKAGE = "litellm[proxy]==1.108.7"
LITELLM_INSTALL = f"python3 -m venv .cache/litellm-venv && .cache/litellm-venv/bin/pip install '{PACKAGE}'"
MASTER_KEY = "sk-lt-Wq8Zr3Nv6Xk2Jb9Tm5Pd"
"""Random-looking (see sandwich_helpers.UPSTREAM_KEY): a key spelling `-litellm-` redacts that word from every report,
header names included (`x[redacted]model-api-base`)."""
MODELS = tuple(row.name for row in rules.api_on(None).models())
"""Every model today's API serves: the contract collection asks for each."""
STARTUP_SECONDS = 120.0
"""LiteLLM imports for 15-25 s on this machine before it listens."""


def litellm_program() -> str:
    program = VENV / "bin" / "litellm"
    if not program.exists():
        pytest.skip(f"needs LiteLLM's proxy from PyPI ({PACKAGE}) in .cache/litellm-venv: {LITELLM_INSTALL}")
    return str(program)


def config(upstream_base_url: str) -> str:
    """Every model the suite asks for, routed to the sandbox with the upstream key from the environment."""
    entries = "".join(
        f"  - model_name: {model}\n    litellm_params: {{model: openai/{model}, api_base: \"{upstream_base_url}\", "
        f"api_key: os.environ/IMAGECONTRACT_UPSTREAM_KEY}}\n" for model in MODELS
    )
    return f"model_list:\n{entries}general_settings:\n  master_key: {MASTER_KEY}\n"


@contextmanager
def running_litellm(directory: Path, upstream_base_url: str, upstream_key: str) -> Iterator[str]:
    """LiteLLM listening on a free 127.0.0.1 port in front of `upstream_base_url`; yields its base URL (with /v1)."""
    program = litellm_program()
    (directory / "litellm.yaml").write_text(config(upstream_base_url))
    port = free_port()
    env = {**os.environ, "IMAGECONTRACT_UPSTREAM_KEY": upstream_key, "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "LITELLM_TELEMETRY": "False", "NO_PROXY": "127.0.0.1,localhost"}
    log = (directory / "litellm.log").open("wb")
    process = subprocess.Popen([program, "--config", str(directory / "litellm.yaml"), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=directory)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _alive(port):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"LiteLLM did not start (exit {process.poll()}); its log: {directory / 'litellm.log'}")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _alive(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health/liveliness", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
