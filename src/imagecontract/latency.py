"""Latency statistics per endpoint over a run: p50, p95 and max against the budget."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Iterable, Protocol, Sequence


class _Timed(Protocol):
    @property
    def latencies(self) -> list[float]: ...


@dataclass(frozen=True)
class EndpointLatency:
    endpoint: str
    count: int
    p50: float
    p95: float
    max: float
    budget: float

    @property
    def within_budget(self) -> bool:
        return self.max <= self.budget


def percentile(values: Sequence[float], quantile: int) -> float:
    """The `quantile`th percentile, inclusive method; the value itself for a single sample."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[quantile - 1]


def latency_stats(samples: Iterable[tuple[str, float, float]]) -> list[EndpointLatency]:
    """From (endpoint, seconds, budget) samples, one row per endpoint; the budget shown is the tightest."""
    grouped: dict[str, list[tuple[float, float]]] = {}
    for endpoint, seconds, budget in samples:
        grouped.setdefault(endpoint, []).append((seconds, budget))
    rows = []
    for endpoint in sorted(grouped):
        values = [seconds for seconds, _ in grouped[endpoint]]
        rows.append(EndpointLatency(
            endpoint=endpoint, count=len(values), p50=percentile(values, 50), p95=percentile(values, 95),
            max=max(values), budget=min(budget for _, budget in grouped[endpoint]),
        ))
    return rows


def format_table(rows: Sequence[EndpointLatency]) -> list[str]:
    lines = [f"{'endpoint':<14}{'n':>5}{'p50':>9}{'p95':>9}{'max':>9}{'budget':>9}  "]
    for row in rows:
        verdict = "ok" if row.within_budget else "OVER"
        lines.append(f"{row.endpoint:<14}{row.count:>5}{row.p50:>9.3f}{row.p95:>9.3f}{row.max:>9.3f}{row.budget:>9.2f}  {verdict}")
    return lines
