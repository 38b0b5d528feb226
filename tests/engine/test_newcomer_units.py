"""Small plain pieces a newcomer meets in the terminal: the latency verdict and the retry line."""

from __future__ import annotations

from imagecontract.image_budget.retry import retry_wait_text
from imagecontract.latency import format_table, latency_stats


def test_each_latency_sample_is_judged_against_its_own_tests_budget() -> None:
    rows = latency_stats([("edits", 1.0, 0.5), ("edits", 10.0, 17.0), ("edits", 12.0, 17.0)])
    assert rows[0].within_budget is False and rows[0].over == 1 and rows[0].budget == 17.0
    assert format_table(rows)[1].endswith("OVER (1 of 3)")
    fine = latency_stats([("edits", 0.4, 0.5), ("edits", 10.0, 17.0)])
    assert fine[0].within_budget and format_table(fine)[1].endswith("ok")


def test_a_retry_names_retry_after_only_when_the_target_sent_it() -> None:
    assert retry_wait_text({"Retry-After": "2"}, 2.0) == "retried after Retry-After 2 s"
    assert retry_wait_text({"content-type": "application/json"}, 1.0) == "retried after 1 s (no Retry-After header)"


def test_the_end_of_run_totals_count_requests_assertions_and_failures_by_check() -> None:
    from types import SimpleNamespace

    from imagecontract.checks.registry import CheckOutcome
    from imagecontract.exchange import Failure
    from imagecontract.report.run_totals import totals_table

    failing = [Failure("status_code", "expected 200, got 400"), Failure("image_count", "expected 2 images, got 1")]
    results = [
        SimpleNamespace(exchanges=[1], outcomes=[CheckOutcome("status_code", True), CheckOutcome("usage", False)],
                        failures=[], error=None),
        SimpleNamespace(exchanges=[1, 2], outcomes=[CheckOutcome("status_code", True, failing[:1]),
                                                    CheckOutcome("image_count", True, failing[1:])],
                        failures=failing, error=None),
        SimpleNamespace(exchanges=[], outcomes=[], failures=[], error="unknown variable '{{size}}'"),
    ]
    lines = totals_table(results, skipped=1)
    assert [line.split() for line in lines[1:]] == [
        ["requests", "3", "2"], ["HTTP", "exchanges", "3"], ["assertions", "(checks)", "3", "2"],
        ["skipped", "requests", "1"], ["failures", "by", "check:"], ["status_code", "1"], ["image_count", "1"],
        ["(no", "answer", "to", "check)", "1"],
    ], lines
