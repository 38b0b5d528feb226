"""How long a response took, against the request's budgets: the whole answer, and a stream's first event."""

from __future__ import annotations

from imagecontract.checks.conditions import has_latency_budget, streamed_with_first_event_budget
from imagecontract.checks.registry import CheckContext, check
from imagecontract.exchange import Exchange, Failure


@check(applies=has_latency_budget)
def latency_budget(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """The response arrived within the latency budget."""
    took, budget = exchange.response.elapsed, exchange.latency_budget
    if budget is None or took <= budget:
        return []
    return [Failure("latency_budget", f"took {took:.2f} s, budget {budget:.2f} s")]


@check(applies=streamed_with_first_event_budget)
def first_event_latency(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """A stream's first event arrived within the first-event budget.

    The time runs from sending to the first complete SSE event (`StreamEvent.at`;
    a replayed cassette yields events at their recorded times). There is no default
    budget, only `expect.latency.first_event`: the seed measured whole answers only;
    with `partial_images: 0` the first event is the completed one, so its time is the
    total that `latency_budget` already judges; and the sandbox's even spread (first of
    k+1 events at 1/(k+1) of the total) is its own model, not a measurement, so a
    default fraction could fail a real API that front-loads its work.
    """
    budget, events = exchange.first_event_budget, exchange.response.events or []
    if budget is None:
        return []
    if not events:
        took = exchange.response.elapsed
        return [Failure("first_event_latency", f"the stream ended after {took:.2f} s without an event, first-event budget {budget:.2f} s")]
    first = events[0].at
    if first <= budget:
        return []
    reason = f"first event after {first:.2f} s, first-event budget {budget:.2f} s (whole answer {exchange.response.elapsed:.2f} s)"
    return [Failure("first_event_latency", reason)]
