"""How long a response took, against the request's budgets: the whole answer, and a stream's first event."""

from __future__ import annotations

from imagecontract.checks.conditions import has_latency_budget, streamed_with_first_event_budget
from imagecontract.checks.registry import CheckContext, check
from imagecontract.exchange import Exchange, Failure
from imagecontract.latency import percentile, seconds_text


@check(applies=has_latency_budget)
def latency_budget(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """The response arrived within the latency budget (and, on a request's last repeat, p50 and p95 within theirs)."""
    took, budget = exchange.response.elapsed, exchange.latency_budget
    failures = []
    if budget is not None and took > budget:
        failures.append(Failure("latency_budget", f"took {seconds_text(took)} s, budget {seconds_text(budget)} s"))
    return failures + _percentile_failures(exchange)


def _percentile_failures(exchange: Exchange) -> list[Failure]:
    """`repeat:` budgets: p50 and p95 over every run of the request, judged once all have run."""
    latencies = exchange.repeat_latencies
    failures = []
    for quantile, limit in exchange.percentile_budgets.items():
        value = percentile(latencies, quantile) if latencies else None
        if value is not None and value > limit:
            reason = f"p{quantile} {seconds_text(value)} s over {len(latencies)} runs, budget {seconds_text(limit)} s"
            failures.append(Failure("latency_budget", reason))
    return failures


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
        return [Failure("first_event_latency", f"the stream ended after {seconds_text(took)} s without an event, "
                                               f"first-event budget {seconds_text(budget)} s")]
    first = events[0].at
    if first <= budget:
        return []
    reason = (f"first event after {seconds_text(first)} s, first-event budget {seconds_text(budget)} s "
              f"(whole answer {seconds_text(exchange.response.elapsed)} s)")
    return [Failure("first_event_latency", reason)]
