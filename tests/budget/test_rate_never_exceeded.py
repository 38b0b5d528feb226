"""The shipped suite's generations, live under pytest-xdist with --rate-limit: the sandbox never has to answer 429.

Correctness only, no timing: the sandbox counts every image it makes and every 429 it sends, over its own
60 s window, which a fast clock shortens to 60 / SPEED real seconds.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from imagecontract.collection.loader import load_collection
from imagecontract.image_budget import budget
from imagecontract.run.engine import CollectionState, RunSettings, run_request
from imagecontract.run.http import new_client

REPO = Path(__file__).resolve().parents[2]
KEY = "ic-rate-test-key-0123456789"
SPEED = 30.0
"""Sandbox seconds per real second: its one-minute window lasts 2 real seconds."""
RATE = 6
"""Images per window: the generations part asks for about 20, so the limit binds for several windows."""


def fast_clock() -> Callable[[], float]:
    start = time.time()
    return lambda: start + (time.time() - start) * SPEED


def generation_images(collections: Path) -> int:
    """The images the shipped generation requests that expect an image ask for (`n` with variables resolved)."""
    total = 0
    for path in sorted(collections.rglob("*.yaml")):
        if path.name == "targets.yaml":
            continue
        collection = load_collection(path)
        total += sum(budget.request_images(spec, collection.variables) for spec in collection.requests
                     if spec.endpoint == "generations" and int(spec.expect.get("status", 200)) < 400
                     and "retired" not in spec.expect)
    return total


def test_the_suite_under_xdist_never_exceeds_the_rate(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, sandbox: Any
) -> None:
    for name in ("collections", "schemas"):
        shutil.copytree(REPO / name, pytester.path / name)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv(budget.WINDOW_ENV, str(60 / SPEED + 0.5))
    server = sandbox(api_key=KEY, rate_limit=RATE, clock=fast_clock(), as_of=None)
    expected = generation_images(pytester.path / "collections" / "contract")
    assert expected > 3 * RATE
    result = pytester.runpytest_subprocess("collections/contract", "-m", "generations", "-n", "2", "--live",
                                           "--target", server.base_url, "--as-of", "today",
                                           "--rate-limit", str(RATE), "--latency-scale", "10", "--no-report",
                                           "-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes.get("error", 0) == 0, result.stdout.str()[-3000:]
    stats = server.stats()
    assert stats["rate_limited"] == 0
    assert stats["images_generated"] == expected
    assert stats["by_endpoint"]["generations"]["images"] == expected


class CountingBudget:
    """Stands in for the run's `ImageBudget`: records what each request takes from it."""

    def __init__(self) -> None:
        self.taken: list[int] = []

    def acquire(self, images: int) -> float:
        self.taken.append(images)
        return 0.0


def test_only_requests_that_can_make_images_take_them_from_the_budget(tmp_path: Path, sandbox: Any) -> None:
    """The API refuses an invalid request before making anything and counts only images it makes (the sandbox does
    the same), so an expected error spending the budget would only slow a rate-limited run down."""
    server = sandbox(api_key=KEY)
    (tmp_path / "two.yaml").write_text(
        "name: Two\nrequests:\n"
        "  - name: three images\n    path: /images/generations\n"
        "    json: {model: dall-e-2, prompt: a cat, n: 3, size: 256x256}\n"
        "  - name: n above 10\n    path: /images/generations\n"
        "    json: {model: dall-e-2, prompt: a cat, n: 11, size: 256x256}\n"
        "    expect: {status: 400, error: {param: n}}\n"
    )
    collection = load_collection(tmp_path / "two.yaml")
    shared = CountingBudget()
    settings = RunSettings(target=server.base_url, live=True, environ={"OPENAI_API_KEY": KEY}, image_budget=shared)
    with new_client() as client:
        results = [run_request(settings, client, collection, spec, CollectionState()) for spec in collection.requests]
    assert [result.passed for result in results] == [True, True]
    assert shared.taken == [3, 0]
    assert server.stats()["images_generated"] == 3
