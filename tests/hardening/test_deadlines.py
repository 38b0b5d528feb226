"""A request's `timeout:` bounds it from send to the last byte, streams included, in real pytest sessions.

Each probe used to hang a run for minutes (or for good): an endless event stream, a JSON body trickled a
byte at a time, an event stream that is one endless line. The sessions run as subprocesses with a
generous liveness bound (pytester's `timeout`), never a tight timing assertion.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest
from interrupts import sigint_as_in_a_terminal
from raw_http import RawServer, Script, endless_events, endless_line, silent, trickle, trickled_head
from user_project import assert_clean_output, output_of, unmatched

LIVENESS_SECONDS = 60
"""Far above the 2 s deadlines below; the probes used to run for minutes or forever."""

STREAM = """\
name: Demo
requests:
  - name: generate
    path: /images/generations
{timeout}    json: {{model: gpt-image-1, prompt: a cat, stream: true, partial_images: 1}}
"""

DEADLINE = "no complete answer within the 2 s timeout"

SMALL_EVENT_CAP_CONFTEST = '''
import imagecontract.run.http

def pytest_configure(config):
    imagecontract.run.http.MAX_EVENT_BYTES = 1024 * 1024
'''


DUMP_STACKS_ON_SIGUSR1 = """
import faulthandler, signal
STACKS = open("stacks.txt", "w")
faulthandler.register(signal.SIGUSR1, file=STACKS, all_threads=True)
"""
"""A run that outlives the liveness bound is asked for its threads' stacks before it is killed."""


def run(project: pytest.Pytester, url: str, *args: str) -> pytest.RunResult:
    return project.runpytest_subprocess("collections", "-p", "no:cacheprovider", "--target", url, *args,
                                        timeout=LIVENESS_SECONDS)


@pytest.mark.parametrize(("script", "expected"), [
    (endless_events(), DEADLINE),
    (trickle(json.dumps({"created": 1, "data": [{"b64_json": "AAAA"}]}).encode(), every=0.5), DEADLINE),
    (endless_line(), "error: {url}/images/generations: *"),
], ids=["endless-stream", "trickled-json", "endless-line"])
@pytest.mark.parametrize("how", [("    timeout: 2\n", ()), ("", ("--request-timeout", "2"))], ids=["timeout", "run-wide"])
def test_a_request_ends_at_its_deadline(
    script: Script, expected: str, how: tuple[str, tuple[str, ...]], make_project: Callable[..., pytest.Pytester],
    raw_server: Callable[[Script], RawServer],
) -> None:
    project = make_project()
    (project.path / "collections" / "demo.yaml").write_text(STREAM.format(timeout=how[0]))
    server = raw_server(script)

    result = run(project, server.url, "--live", *how[1])

    lines = output_of(result)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, "\n".join(lines[-40:])
    assert not unmatched(lines, (expected.replace("{url}", server.url),)), "\n".join(lines[-40:])
    assert_clean_output(lines)


def test_an_endless_line_stops_at_the_event_cap(
    make_project: Callable[..., pytest.Pytester], raw_server: Callable[[Script], RawServer],
) -> None:
    project = make_project()
    (project.path / "collections" / "demo.yaml").write_text(STREAM.format(timeout="    timeout: 300\n"))
    (project.path / "conftest.py").write_text(SMALL_EVENT_CAP_CONFTEST)
    server = raw_server(endless_line())

    result = run(project, server.url, "--live")

    lines = output_of(result)
    assert not unmatched(lines, (f"error: {server.url}/images/generations: a server-sent event grew past 1.0 MB "
                                 f"without ending; stopped reading",)), "\n".join(lines[-40:])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


@pytest.mark.parametrize("script", [endless_events(), trickle(b'{"created": 1, "data": []}', every=0.5)],
                         ids=["endless-stream", "trickled-json"])
def test_recording_ends_at_the_deadline_and_writes_no_cassette(
    script: Script, make_project: Callable[..., pytest.Pytester], raw_server: Callable[[Script], RawServer],
) -> None:
    project = make_project()
    (project.path / "collections" / "demo.yaml").write_text(STREAM.format(timeout="    timeout: 2\n"))
    server = raw_server(script)

    result = run(project, server.url, "--record-mode", "once")

    lines = output_of(result)
    assert not unmatched(lines, (f"error: {server.url}/images/generations: {DEADLINE}*",)), "\n".join(lines[-40:])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert not list(Path(project.path / "cassettes").rglob("*.yaml"))


HEADERS_TIMEOUT = "error: {url}/images/generations: timed out waiting for the response (the target hangs or is slower than the timeout)*"

PLAIN = """\
name: Demo
requests:
  - name: generate
    path: /images/generations
    timeout: 2
    json: {model: gpt-image-1, prompt: a cat}
"""


@pytest.mark.parametrize(("collection", "mode"), [
    (PLAIN, ("--live",)), (STREAM.format(timeout="    timeout: 2\n"), ("--live",)), (PLAIN, ("--record-mode", "once")),
], ids=["live", "stream", "record"])
def test_trickled_headers_end_at_the_deadline(
    collection: str, mode: tuple[str, ...], make_project: Callable[..., pytest.Pytester],
    raw_server: Callable[[Script], RawServer],
) -> None:
    """Each header byte comes well within httpx's per-read wait, the whole head far beyond the 2 s deadline."""
    project = make_project()
    (project.path / "collections" / "demo.yaml").write_text(collection)
    server = raw_server(trickled_head(every=0.2))

    result = run(project, server.url, *mode)

    lines = output_of(result)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, "\n".join(lines[-40:])
    assert not unmatched(lines, (HEADERS_TIMEOUT.replace("{url}", server.url),)), "\n".join(lines[-40:])
    assert_clean_output(lines)
    assert not list(Path(project.path / "cassettes").rglob("*.yaml"))


@pytest.mark.parametrize("extra", [(), ("--concurrency", "2")], ids=["sequential", "concurrency"])
def test_ctrl_c_mid_stream_ends_the_run_with_an_interrupted_summary(
    extra: tuple[str, ...], make_project: Callable[..., pytest.Pytester], raw_server: Callable[[Script], RawServer],
) -> None:
    project = make_project()
    (project.path / "collections" / "demo.yaml").write_text(
        STREAM.format(timeout="    timeout: 600\n") + "  - name: later\n    path: /images/generations\n    json: {prompt: a cat}\n")
    (project.path / "conftest.py").write_text(DUMP_STACKS_ON_SIGUSR1)
    server = raw_server(endless_events())
    command = [sys.executable, "-m", "pytest", "collections", "-p", "no:cacheprovider", "--target", server.url, "--live", *extra]
    process = subprocess.Popen(command, cwd=project.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               preexec_fn=sigint_as_in_a_terminal)
    try:
        while not server.connections and process.poll() is None:
            time.sleep(0.1)
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=LIVENESS_SECONDS)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGUSR1)
        time.sleep(1)
        process.kill()
        stacks = (project.path / "stacks.txt").read_text()
        pytest.fail(f"still running {LIVENESS_SECONDS} s after Ctrl-C; its output:\n{process.communicate()[0].decode()}\n"
                    f"its threads:\n{stacks}")
    finally:
        process.kill()
    lines = output.decode().splitlines()

    assert process.returncode == pytest.ExitCode.INTERRUPTED, "\n".join(lines[-30:])
    assert not unmatched(lines, ("*imagecontract: interrupted (Ctrl-C) during collections/demo.yaml::generate; "
                                 "answers in flight were dropped*",)), "\n".join(lines[-30:])
    assert_clean_output(lines)
    run = json.loads((project.path / "reports" / "summary.json").read_text())["run"]
    assert run["interrupted"] is True and run["not_run"] == 2, run


def test_ctrl_c_under_xdist_ends_promptly_with_an_interrupted_summary_and_report(
    make_project: Callable[..., pytest.Pytester], raw_server: Callable[[Script], RawServer],
) -> None:
    """Both workers wait on a target that never answers; Ctrl-C to the process group ends the run without
    xdist's 10 s wait for its workers, and summary.json and the report say interrupted with nothing finished."""
    project = make_project()
    (project.path / "collections" / "demo.yaml").write_text("name: Demo\nrequests:\n" + "".join(
        f"  - name: {name}\n    path: /images/generations\n    timeout: 600\n    json: {{model: gpt-image-1, prompt: a cat}}\n"
        for name in ("generate", "later")))
    server = raw_server(silent(LIVENESS_SECONDS))
    command = [sys.executable, "-m", "pytest", "collections", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
               "-n", "2", "--target", server.url, "--live"]
    process = subprocess.Popen(command, cwd=project.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True, preexec_fn=sigint_as_in_a_terminal)
    try:
        waited = 0.0
        while server.connections < 2 and process.poll() is None and waited < LIVENESS_SECONDS:
            time.sleep(0.1)
            waited += 0.1
        time.sleep(0.5)
        assert process.poll() is None, process.communicate()[0].decode()[-3000:]
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=LIVENESS_SECONDS / 2)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    lines = output.decode().splitlines()

    assert process.returncode == pytest.ExitCode.INTERRUPTED, "\n".join(lines[-30:])
    assert_clean_output(lines)
    run = json.loads((project.path / "reports" / "summary.json").read_text())["run"]
    assert run["interrupted"] is True and run["complete"] is False, run
    assert run["not_run_tests"] == ["collections/demo.yaml::generate", "collections/demo.yaml::later"], run
    assert "INTERRUPTED, 2 not run" in (project.path / "reports" / "report.html").read_text()
