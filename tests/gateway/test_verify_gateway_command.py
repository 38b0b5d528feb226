"""`imagecontract verify-gateway`: the sandbox started where the gateway forwards, the suite run through the gateway."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from faulty_gateway import running_gateway
from sandwich_helpers import GATEWAY_KEY, UPSTREAM_KEY, name_target, project
from services import free_port

GENERATE = "collections/contract/generations.yaml::dall-e-2 url 256x256"


def verify(directory: Path, *args: str, upstream_key: str | None = UPSTREAM_KEY) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPENAI_API_KEY": GATEWAY_KEY}
    env.pop("IMAGECONTRACT_UPSTREAM_KEY", None)
    if upstream_key:
        env["IMAGECONTRACT_UPSTREAM_KEY"] = upstream_key
    command = [sys.executable, "-m", "imagecontract.cli.main", "verify-gateway", *args, "-p", "no:cacheprovider"]
    return subprocess.run(command, cwd=directory, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    return project(pytester, monkeypatch)


@pytest.mark.parametrize(("fault", "code", "expected"), [
    ("pass", 0, "1 passed"),
    ("internal-urls", 1, "[no_upstream_leak] $.data[0].url: $.data[0].url carries the upstream's internal address"),
])
def test_the_command_starts_the_upstream_and_runs_through_the_gateway(suite: pytest.Pytester, fault: str, code: int,
                                                                      expected: str) -> None:
    port = free_port()
    with running_gateway(f"http://127.0.0.1:{port}", UPSTREAM_KEY, GATEWAY_KEY, fault) as gateway:
        name_target(suite, "gw", gateway.origin + "/v1", ["image_url_host"])
        done = verify(suite.path, "--gateway", "gw", "--upstream-port", str(port), GENERATE)
    assert done.returncode == code, done.stdout[-3000:] + done.stderr[-2000:]
    assert f"the upstream sandbox listens on http://127.0.0.1:{port}/v1" in done.stdout
    assert expected in done.stdout
    assert UPSTREAM_KEY not in done.stdout + done.stderr


def test_without_the_upstream_key_it_says_which_variable_to_set(suite: pytest.Pytester) -> None:
    done = verify(suite.path, "--gateway", "http://127.0.0.1:9/v1", "--upstream-port", str(free_port()), upstream_key=None)
    assert done.returncode == 2
    assert "set IMAGECONTRACT_UPSTREAM_KEY to the API key the gateway sends upstream" in done.stderr


def test_an_upstream_port_in_use_is_one_clear_error(suite: pytest.Pytester, sandbox) -> None:
    taken = sandbox().origin.rsplit(":", 1)[1]
    done = verify(suite.path, "--gateway", "http://127.0.0.1:9/v1", "--upstream-port", taken)
    assert done.returncode == 2 and f"--upstream-port {taken}: cannot listen on 127.0.0.1" in done.stderr
