"""`--concurrency N` for real: one process keeps N requests in flight, chains in order, reports as a sequential run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
KEY = "ic-concurrency-key-0123456789"


def burst(count: int) -> str:
    return "".join(
        f"  - name: plain {index}\n    path: /images/generations\n"
        f"    json: {{model: dall-e-2, prompt: a dog, size: 256x256, response_format: b64_json}}\n"
        for index in range(count)
    )


def test_requests_overlap_chains_keep_their_order_and_the_report_is_in_order(make_project: Any, sandbox: Any) -> None:
    server = sandbox(latency_scale=0.1)
    project = make_project(burst(6), with_error=True)
    result = project.runpytest("collections", "--live", "--target", server.base_url, "--concurrency", "4",
                               "-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=9)
    stats = server.stats()
    assert stats["max_in_flight"] >= 3
    assert stats["by_endpoint"]["generations"]["requests"] == 8
    assert stats["by_endpoint"]["variations"]["requests"] == 1
    names = [test["nodeid"].split("::")[1] for test in json.loads((project.path / "reports" / "summary.json").read_text())["tests"]]
    assert names == ["generate b64", "variation url", *[f"plain {index}" for index in range(6)], "missing prompt"]
    result.stdout.fnmatch_lines(["*::generate b64 PASSED*", "*::variation url PASSED*", "*::plain 0 PASSED*"])


def test_the_shipped_suite_passes_live_with_concurrency(pytester: pytest.Pytester, sandbox: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("collections", "schemas"):
        shutil.copytree(REPO / name, pytester.path / name)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    server = sandbox(api_key=KEY, as_of=None)
    result = pytester.runpytest("collections", "--live", "--target", server.base_url, "--as-of", "today",
                                "--concurrency", "6", "-p", "no:cacheprovider", "--no-report")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes.get("error", 0) == 0, result.stdout.str()[-3000:]
    assert outcomes["passed"] >= 80 and outcomes["skipped"] >= 50, "today's requests pass, the retired ones skip"


def test_a_rate_limit_holds_across_threads(make_project: Any, sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from imagecontract.image_budget import budget

    speed = 20.0
    start = time.time()
    server = sandbox(rate_limit=3, clock=lambda: start + (time.time() - start) * speed)
    monkeypatch.setenv(budget.WINDOW_ENV, str(60 / speed * 1.5))
    project = make_project(burst(5))
    result = project.runpytest("collections", "--live", "--target", server.base_url, "--concurrency", "4",
                               "--rate-limit", "3", "-p", "no:cacheprovider", "--no-report")
    result.assert_outcomes(passed=7)
    assert server.stats()["rate_limited"] == 0


def test_a_billing_stop_starts_nothing_more(make_project: Any, sandbox: Any) -> None:
    server = sandbox(faults=["billing-hard-limit"], latency_scale=0.1)
    project = make_project(burst(12))
    result = project.runpytest("collections", "--live", "--target", server.base_url, "--concurrency", "2",
                               "-p", "no:cacheprovider", "--no-report")
    result.stdout.fnmatch_lines(["*billing_hard_limit_reached: no further request can succeed, stopping the run*"])
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert server.stats()["requests"] <= 4


@pytest.mark.parametrize(("args", "message"), [
    (("--concurrency", "4"), "--concurrency needs --live: cassettes are recorded and replayed one at a time*"),
    (("--live", "--concurrency", "0"), "--concurrency 0: expected a number of requests in flight, 1 or more"),
    (("--live", "--concurrency", "2", "-n", "2"), "--concurrency and -n both run requests concurrently: choose one"),
])
def test_concurrency_refuses_what_it_cannot_do(make_project: Any, args: tuple[str, ...], message: str) -> None:
    result = make_project().runpytest("collections", "-p", "no:cacheprovider", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])
