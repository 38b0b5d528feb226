"""Latency: each request's budget (per request in YAML, else per endpoint and size from the seed's
measurements) and the run's statistics per endpoint (p50, p95 and max against the budget).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Protocol, Sequence

from imagecontract.rules import SEED_LATENCY_SECONDS, latency_profile


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
    over: int = 0
    """Samples over their own test's budget (tests of one endpoint may have different budgets)."""

    @property
    def within_budget(self) -> bool:
        return self.over == 0


def percentile(values: Sequence[float], quantile: int) -> float:
    """The `quantile`th percentile, inclusive method; the value itself for a single sample."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[quantile - 1]


def seconds_text(value: float) -> str:
    """Seconds for a message: two decimals, or two significant digits below 0.1 s (a scaled budget of
    0.002 s reads `0.002`, not `0.00`)."""
    return f"{value:.2f}" if value >= 0.1 or value == 0 else f"{value:.2g}"


def latency_stats(samples: Iterable[tuple[str, float, float]]) -> list[EndpointLatency]:
    """From (endpoint, seconds, budget) samples, one row per endpoint.

    Each sample is judged against its own budget, so one tight test does not mark its endpoint OVER while
    the others pass theirs; the budget shown is the loosest, the limit no sample may pass.
    """
    grouped: dict[str, list[tuple[float, float]]] = {}
    for endpoint, seconds, budget in samples:
        grouped.setdefault(endpoint, []).append((seconds, budget))
    rows = []
    for endpoint in sorted(grouped):
        values = [seconds for seconds, _ in grouped[endpoint]]
        rows.append(EndpointLatency(
            endpoint=endpoint, count=len(values), p50=percentile(values, 50), p95=percentile(values, 95),
            max=max(values), budget=max(budget for _, budget in grouped[endpoint]),
            over=sum(1 for seconds, budget in grouped[endpoint] if seconds > budget),
        ))
    return rows


def format_table(rows: Sequence[EndpointLatency]) -> list[str]:
    lines = [f"{'endpoint':<14}{'n':>5}{'p50':>9}{'p95':>9}{'max':>9}{'budget':>9}  "]
    for row in rows:
        verdict = "ok" if row.within_budget else f"OVER ({row.over} of {row.count})"
        lines.append(f"{row.endpoint:<14}{row.count:>5}{row.p50:>9.3f}{row.p95:>9.3f}{row.max:>9.3f}{seconds_text(row.budget):>9}  {verdict}")
    return lines


FALLBACK_BUDGET_SECONDS = max(high for _, high in SEED_LATENCY_SECONDS.values())
"""For requests that name no known endpoint (an image GET, a custom path)."""


@dataclass(frozen=True)
class Budget:
    """Seconds a request may take; percentiles apply over `repeat:` runs."""

    max: float
    p50: float | None = None
    p95: float | None = None
    first_event: float | None = None

    @property
    def percentiles(self) -> dict[int, float]:
        """The declared percentile budgets: quantile (50, 95) -> seconds."""
        return {quantile: limit for quantile, limit in ((50, self.p50), (95, self.p95)) if limit is not None}


def default_budget(endpoint: str | None, size: str | None) -> float:
    """The slowest time the seed blog measured for this endpoint at this size."""
    if endpoint not in SEED_LATENCY_SECONDS:
        return FALLBACK_BUDGET_SECONDS
    return latency_profile(endpoint, size)[1]


def budget_for(expect: Mapping[str, Any], endpoint: str | None, size: str | None, scale: float) -> Budget:
    """The request's budget from `expect.latency` (seconds or a mapping), scaled by `--latency-scale`."""
    declared = expect.get("latency")
    if isinstance(declared, (int, float)):
        declared = {"budget": declared}
    declared = dict(declared or {})
    base = declared.get("budget", default_budget(endpoint, size))

    def scaled(value: float | None) -> float | None:
        return None if value is None else value * scale

    return Budget(
        max=base * scale,
        p50=scaled(declared.get("p50")),
        p95=scaled(declared.get("p95")),
        first_event=scaled(declared.get("first_event")),
    )
