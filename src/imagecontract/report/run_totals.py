"""The end-of-run totals a Newman user reads first: requests, assertions (checks) and failures by check."""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Protocol, Sequence

from imagecontract.checks.registry import CheckOutcome
from imagecontract.exchange import Failure

ERROR_ROW = "(no answer to check)"
"""Where a request that never got an answer (a template error, a refused connection) is counted."""


class _Result(Protocol):
    exchanges: Sequence[object]
    outcomes: Sequence[CheckOutcome]
    failures: Sequence[Failure]
    error: str | None


def totals_table(results: Iterable[_Result], skipped: int = 0) -> list[str]:
    """Lines of the table: executed and failed requests and assertions, then failures per check, most first."""
    results = list(results)
    failed_requests = sum(1 for result in results if result.error is not None or result.failures)
    applicable = [outcome for result in results for outcome in result.outcomes if outcome.applicable]
    by_check = Counter(failure.check for result in results for failure in result.failures)
    by_check.update({ERROR_ROW: sum(1 for result in results if result.error is not None)})
    sent = sum(len(result.exchanges) for result in results)
    lines = [
        f"{'':<24}{'executed':>10}{'failed':>10}",
        f"{'requests':<24}{len(results):>10}{failed_requests:>10}",
        f"{'HTTP exchanges':<24}{sent:>10}{'':>10}",
        f"{'assertions (checks)':<24}{len(applicable):>10}{sum(1 for outcome in applicable if outcome.failures):>10}",
    ]
    if skipped:
        lines.append(f"{'skipped requests':<24}{skipped:>10}")
    failing = [(name, count) for name, count in by_check.most_common() if count]
    if failing:
        lines.append("failures by check:")
        lines.extend(f"  {name:<22}{count:>10}" for name, count in failing)
    return lines
