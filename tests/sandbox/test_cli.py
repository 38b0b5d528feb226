"""`imagecontract serve` as a real process: starts fast, answers, stops cleanly on Ctrl-C."""

from __future__ import annotations

import importlib.util
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest
from interrupts import sigint_as_in_a_terminal
from sandbox_helpers import KEY

from imagecontract.sandbox.faults import FAULTS


def serve_command(*args: str) -> list[str]:
    """Through the main CLI once every subcommand module it lists exists, else the sandbox's own entry."""
    main = "imagecontract.cli.main" if importlib.util.find_spec("imagecontract.cli.run") else "imagecontract.cli.serve"
    return [sys.executable, "-m", main, "serve", *args]


TODAY_BODY = {"model": "gpt-image-1.5", "prompt": "cat", "n": 2, "size": "1024x1024", "quality": "low"}
SEED_ERA_BODY = {"prompt": "cat", "n": 2, "size": "256x256"}


@pytest.mark.parametrize(
    ("as_of", "body"), [((), TODAY_BODY), (("--as-of", "2025-06-01"), SEED_ERA_BODY)], ids=["today", "seed-era"]
)
def test_serve_answers_and_exits_on_sigint(as_of: tuple[str, ...], body: dict) -> None:
    process = subprocess.Popen(
        serve_command("--port", "0", "--latency-scale", "0", "--api-key", KEY, "--fault", "clamp-n=1", *as_of),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=sigint_as_in_a_terminal,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/v1", line)
        assert match, line
        assert "as of " in line and (not as_of or as_of[1] in line), line
        base_url = match.group(0)
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.post(
                    f"{base_url}/images/generations",
                    json=body,
                    headers={"Authorization": f"Bearer {KEY}"},
                )
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.02)
        assert response.status_code == 200 and len(response.json()["data"]) == 1
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr = process.stderr.read() if process.stderr else ""
    assert "Traceback" not in stderr


def test_list_faults_prints_the_table() -> None:
    output = subprocess.run(serve_command("--list-faults"), capture_output=True, text=True, check=True).stdout
    listed = [line.split()[0].split("=")[0].split("[")[0] for line in output.splitlines()]
    assert listed == list(FAULTS)


@pytest.mark.parametrize("args", [("--fault", "bogus"), ("--fault", "drop-field"), ("--as-of", "2025-13-01")])
def test_bad_argument_is_a_clear_error(args: tuple[str, ...]) -> None:
    result = subprocess.run(serve_command("--port", "0", *args), capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("imagecontract: error:") and "Traceback" not in result.stderr
