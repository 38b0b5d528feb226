"""The prefetcher alone: groups in order, outcomes handed over as they came, a stop starts nothing more."""

from __future__ import annotations

import threading
import time

import pytest

from imagecontract.run.prefetch import Prefetcher, PrefetchStopped


def test_each_group_runs_in_order_and_groups_run_at_once() -> None:
    started: list[str] = []
    running, most = 0, 0
    lock = threading.Lock()

    def run(key: str) -> str:
        nonlocal running, most
        with lock:
            started.append(key)
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return key.upper()

    prefetcher = Prefetcher(run, [["a1", "a2", "a3"], ["b1"], ["c1", "c2"]], workers=3)
    assert [prefetcher.result(key) for key in ("a3", "a1", "b1", "c2", "c1", "a2")] == ["A3", "A1", "B1", "C2", "C1", "A2"]
    prefetcher.close()
    assert [key for key in started if key.startswith("a")] == ["a1", "a2", "a3"]
    assert [key for key in started if key.startswith("c")] == ["c1", "c2"]
    assert most == 3
    assert "a1" in prefetcher and "z" not in prefetcher


def test_an_exception_is_raised_where_the_result_is_asked_for_and_the_group_goes_on() -> None:
    def run(key: str) -> str:
        if key == "bad":
            pytest.skip("a producer failed")
        if key == "boom":
            raise ValueError("boom")
        return key

    prefetcher = Prefetcher(run, [["bad", "boom", "fine"]], workers=1)
    with pytest.raises(pytest.skip.Exception, match="a producer failed"):
        prefetcher.result("bad")
    with pytest.raises(ValueError, match="boom"):
        prefetcher.result("boom")
    assert prefetcher.result("fine") == "fine"
    prefetcher.close()


def test_stop_lets_requests_in_flight_finish_and_starts_nothing_more() -> None:
    gate = threading.Event()
    ran: list[str] = []

    def run(key: str) -> str:
        ran.append(key)
        gate.wait(5)
        return key

    prefetcher = Prefetcher(run, [["first", "second"], ["queued"]], workers=1)
    while not ran:
        time.sleep(0.01)
    prefetcher.stop()
    gate.set()
    assert prefetcher.result("first") == "first"
    with pytest.raises(PrefetchStopped):
        prefetcher.result("second")
    prefetcher.close()
    with pytest.raises(PrefetchStopped):
        prefetcher.result("queued")
    assert ran == ["first"]
