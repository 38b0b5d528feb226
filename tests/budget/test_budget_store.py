"""The budget module alone: the estimate, and the SQLite store shared by several processes."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from imagecontract import budget


def test_images_of_counts_n_default_one() -> None:
    assert budget.images_of({"n": 3}) == 3
    assert budget.images_of({}) == 1
    assert budget.images_of({"n": "2"}) == 2
    assert budget.images_of({"n": "{{x}}"}) == 1
    assert budget.images_of(None) == 1


def test_estimate_is_n_times_repeat() -> None:
    assert budget.estimate([({"n": 2}, 3), ({}, 1), ({"n": 4}, 1)]) == 11


def test_request_images_resolves_a_placeholder() -> None:
    spec = SimpleNamespace(json={"n": "{{numberOfImages}}"}, form=None, repeat=2)
    assert budget.request_images(spec, {"numberOfImages": 3}) == 6
    assert budget.request_images(spec, {}) == 2
    form = SimpleNamespace(json=None, form={"fields": {"n": 2}}, repeat=1)
    assert budget.request_images(form, {}) == 2


def test_refusal_names_the_numbers() -> None:
    assert budget.refusal(5, None) is None
    assert budget.refusal(5, 5) is None
    message = budget.refusal(6, 5)
    assert message and "6 images" in message and "--max-images 5" in message and "nothing was sent" in message


def test_run_id_order() -> None:
    assert budget.run_id("mine", {"GITHUB_RUN_ID": "1"}) == "mine"
    assert budget.run_id(None, {"GITHUB_RUN_ID": "1", "PYTEST_XDIST_TESTRUNUID": "x"}) == "1"
    assert budget.run_id(None, {"PYTEST_XDIST_TESTRUNUID": "x"}) == "x"
    assert budget.run_id(None, {}) != budget.run_id(None, {})
    assert budget.store_key("r", "http://a/v1") != budget.store_key("r", "http://b/v1")


def test_stop_codes_and_retry_after() -> None:
    assert budget.stop_code({"error": {"code": "billing_hard_limit_reached"}}) == "billing_hard_limit_reached"
    assert budget.stop_code({"error": {"code": "insufficient_quota"}}) == "insufficient_quota"
    assert budget.stop_code({"error": {"code": "rate_limit_exceeded"}}) is None
    assert budget.retry_after({"retry-after": "2"}) == 2
    assert budget.retry_after({}) == 1
    assert budget.retry_after({"retry-after": "9999"}) == budget.MAX_RETRY_AFTER_SECONDS


WINDOW = 1.0
RATE = 3


def _spend(path: str, count: int, queue: "multiprocessing.Queue[float]") -> None:
    handle = budget.ImageBudget(path=Path(path), key="k", rate_limit=RATE, window=WINDOW)
    for _ in range(count):
        handle.acquire(1)
        queue.put(time.time())


def test_two_processes_sharing_one_file_never_exceed_the_rate(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    path = str(tmp_path / "budget.sqlite")
    workers = [context.Process(target=_spend, args=(path, 5, queue)) for _ in range(2)]
    for worker in workers:
        worker.start()
    stamps = sorted(queue.get(timeout=30) for _ in range(10))
    for worker in workers:
        worker.join(timeout=30)
    for index, start in enumerate(stamps):
        in_window = [stamp for stamp in stamps[index:] if stamp < start + WINDOW * 0.95]
        assert len(in_window) <= RATE, stamps
    assert stamps[-1] - stamps[0] >= 2 * WINDOW * 0.9


def _reserve(path: str, count: int, queue: "multiprocessing.Queue[int]") -> None:
    handle = budget.ImageBudget(path=Path(path), key="k", max_images=6)
    sent = 0
    for _ in range(count):
        try:
            handle.acquire(1)
        except budget.BudgetExhausted:
            break
        sent += 1
    queue.put(sent)


def test_max_images_is_counted_across_processes(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    path = str(tmp_path / "budget.sqlite")
    workers = [context.Process(target=_reserve, args=(path, 5, queue)) for _ in range(2)]
    for worker in workers:
        worker.start()
    sent = [queue.get(timeout=30), queue.get(timeout=30)]
    for worker in workers:
        worker.join(timeout=30)
    assert sum(sent) == 6
    assert budget.ImageBudget(path=Path(path), key="k", max_images=6).spent() == 6


def test_exhausted_message(tmp_path: Path) -> None:
    handle = budget.ImageBudget(path=tmp_path / "b.sqlite", key="k", max_images=2)
    handle.acquire(2)
    with pytest.raises(budget.BudgetExhausted, match="--max-images 2 reached"):
        handle.acquire(1)
