"""The budget live against the sandbox: a shared rate under xdist, 429 retries, --max-images, billing stops.

The sandbox's rate window is one minute of its own clock; these tests run that clock
fast (`SPEED` x real time) so one window lasts a few real seconds.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import pytest

from imagecontract.image_budget import budget, retry

SPEED = 20.0
"""Sandbox seconds per real second: its 60 s window lasts 3 real seconds."""


def fast_clock() -> Callable[[], float]:
    start = time.time()
    return lambda: start + (time.time() - start) * SPEED


def generations(count: int, n: int = 1) -> str:
    return "name: Burst\nrequests:\n" + "".join(
        f"  - name: gen {index}\n    path: /images/generations\n"
        f"    json: {{model: dall-e-2, prompt: a cat, n: {n}, size: 256x256, response_format: b64_json}}\n"
        f"    expect:\n      images: {{count: {n}}}\n"
        for index in range(count)
    )


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], pytest.Pytester]:
    def make(text: str) -> pytest.Pytester:
        (pytester.path / "collections").mkdir(exist_ok=True)
        (pytester.path / "collections" / "burst.yaml").write_text(text)
        monkeypatch.setenv("OPENAI_API_KEY", "ic-test-key")
        monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
        return pytester

    return make


def test_shared_rate_across_xdist_workers_never_meets_a_429(sandbox: Any, project: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    server = sandbox(rate_limit=4, clock=fast_clock())
    monkeypatch.setenv(budget.WINDOW_ENV, str(60 / SPEED + 0.5))
    suite = project(generations(5, n=2))
    result = suite.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider", "--target", server.base_url, "--live",
                                        "--latency-scale", "100", "--rate-limit", "4")
    result.assert_outcomes(passed=5)
    stats = server.stats()
    assert stats["rate_limited"] == 0
    assert stats["images_generated"] == 10


def test_a_429_is_retried_after_retry_after_and_noted(sandbox: Any, project: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    server = sandbox(rate_limit=2, clock=fast_clock())
    monkeypatch.setattr(retry, "RETRY_SLEEP_SCALE", 1 / SPEED)
    suite = project(generations(3))
    result = suite.runpytest("--target", server.base_url, "--live", "--latency-scale", "100", "-rA")
    result.assert_outcomes(passed=3)
    assert server.stats()["rate_limited"] >= 1
    result.stdout.fnmatch_lines(["*imagecontract retries*", "*429 on attempt 1: retried after Retry-After *"])


def test_a_request_expecting_429_is_not_retried(sandbox: Any, project: Any) -> None:
    server = sandbox(rate_limit=1, clock=fast_clock())
    text = generations(1) + (
        "  - name: limited\n    path: /images/generations\n"
        "    json: {model: dall-e-2, prompt: a cat, size: 256x256}\n"
        "    expect: {status: 429}\n"
    )
    result = project(text).runpytest("--target", server.base_url, "--live", "--latency-scale", "100")
    result.assert_outcomes(passed=2)
    assert server.stats()["rate_limited"] == 1


def test_max_images_refuses_a_run_that_could_exceed_it(sandbox: Any, project: Any) -> None:
    server = sandbox()
    result = project(generations(3, n=2)).runpytest("--target", server.base_url, "--live", "--max-images", "5")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(["*may generate up to 6 images*",
                                 "*this run may generate 6 images, more than --max-images 5; nothing was sent*"])
    assert server.stats()["requests"] == 0


def test_max_images_stops_a_run_at_n_counted_in_the_shared_store(sandbox: Any, project: Any) -> None:
    server = sandbox()
    suite = project(generations(3, n=2))
    args = ("--target", server.base_url, "--live", "--latency-scale", "100", "--max-images", "8", "--run-id", "shared")
    suite.runpytest(*args).assert_outcomes(passed=3)
    second = suite.runpytest(*args)
    second.assert_outcomes(passed=1, failed=1)
    second.stdout.fnmatch_lines(["*--max-images 8 reached (8 images already sent by this run); not sending 2 more*", "*Interrupted: imagecontract: --max-images 8 reached*"])
    assert server.stats()["images_generated"] == 8


def test_billing_hard_limit_stops_the_run_with_one_message(sandbox: Any, project: Any) -> None:
    server = sandbox(faults=["billing-hard-limit"])
    result = project(generations(4)).runpytest("--target", server.base_url, "--live")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*billing_hard_limit_reached: no further request can succeed, stopping the run*"])
    assert server.stats()["requests"] == 1


def test_under_xdist_the_controller_states_the_estimate_and_refuses_over_max_images(sandbox: Any, project: Any) -> None:
    server = sandbox()
    result = project(generations(3, n=2)).runpytest_subprocess(
        "-n", "2", "-p", "no:cacheprovider", "--target", server.base_url, "--live", "--max-images", "5")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(["*imagecontract: this run may generate up to 6 images (live)*"])
    assert "this run may generate 6 images, more than --max-images 5; nothing was sent" in result.stdout.str() + result.stderr.str()
    assert server.stats()["requests"] == 0


def test_under_xdist_a_billing_stop_reaches_every_worker(sandbox: Any, project: Any) -> None:
    server = sandbox(faults=["billing-hard-limit"], latency_scale=0.2)
    result = project(generations(10)).runpytest_subprocess("-n", "2", "-p", "no:cacheprovider", "--target",
                                                           server.base_url, "--live", "-rs")
    outcomes = result.parseoutcomes()
    assert 1 <= outcomes.get("failed", 0) <= 2, result.stdout.str()
    assert outcomes.get("passed", 0) == 0
    assert server.stats()["requests"] <= 4
    result.stdout.fnmatch_lines(["*billing_hard_limit_reached: no further request can succeed, stopping the run*"])
