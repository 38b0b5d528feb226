"""How long a response took, against the request's budget."""

from __future__ import annotations

from imagecontract.checks.conditions import has_latency_budget
from imagecontract.checks.registry import CheckContext, check
from imagecontract.exchange import Exchange, Failure


@check(applies=has_latency_budget)
def latency_budget(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """The response arrived within the latency budget."""
    took, budget = exchange.response.elapsed, exchange.latency_budget
    if budget is None or took <= budget:
        return []
    return [Failure("latency_budget", f"took {took:.2f} s, budget {budget:.2f} s")]
