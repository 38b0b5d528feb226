"""Latency budgets: per request in YAML, else per endpoint and size from the seed's measurements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from imagecontract.rules import SEED_LATENCY_SECONDS, latency_profile

FALLBACK_BUDGET_SECONDS = max(high for _, high in SEED_LATENCY_SECONDS.values())
"""For requests that name no known endpoint (an image GET, a custom path)."""


@dataclass(frozen=True)
class Budget:
    """Seconds a request may take; percentiles apply over `repeat:` runs."""

    max: float
    p50: float | None = None
    p95: float | None = None
    first_event: float | None = None


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
