"""Sandwich mode: the gateway judged against what the sandbox behind it received and sent (its journal).

Each check applies only when the run reads an upstream journal (`--upstream`) and,
except `no_silent_retries`, when the request reached the upstream at all.
"""

from __future__ import annotations

from imagecontract.checks.registry import ADVISORY, CheckContext, check
from imagecontract.exchange import Exchange, Failure
from imagecontract.gateway.compare import error_changes, n_split, request_changes, response_changes
from imagecontract.gateway.normalize import reduce_body


def journaled(exchange: Exchange) -> bool:
    """The run reads the upstream's journal (sandwich mode)."""
    return exchange.upstream is not None


def forwarded(exchange: Exchange) -> bool:
    """The request reached the upstream and its answer is recorded."""
    return journaled(exchange) and bool(exchange.upstream.entries) and exchange.upstream.entries[-1]["response"] is not None


def _last_status(exchange: Exchange) -> int:
    return int(exchange.upstream.entries[-1]["response"]["status"])


def answered_ok(exchange: Exchange) -> bool:
    return forwarded(exchange) and _last_status(exchange) < 400


def answered_error(exchange: Exchange) -> bool:
    return forwarded(exchange) and _last_status(exchange) >= 400


def _client_body(exchange: Exchange) -> object:
    return reduce_body(exchange.response.body, exchange.response.headers.get("content-type", ""))


@check(applies=forwarded)
def no_silent_retries(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """The upstream was called as often as the client sent the request: no retries the client cannot see."""
    view = exchange.upstream
    if view.attempts <= view.client_sends or n_split(exchange.request.params, view.entries):
        return []
    statuses = ", ".join(str(entry["response"]["status"]) if entry["response"] else "?" for entry in view.entries)
    extra = view.attempts - view.client_sends
    reason = (f"the gateway called the upstream {view.attempts} times for {view.client_sends} client request"
              f"{'s' if view.client_sends > 1 else ''} (upstream answered {statuses}): {extra} silent "
              f"{'retry' if extra == 1 else 'retries'}, each one billed")
    return [Failure("no_silent_retries", reason)]


@check(applies=forwarded)
def request_forwarded(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """The upstream received the request as sent: no field dropped, changed or added, `n` unsplit, images unaltered."""
    view = exchange.upstream
    changes = request_changes(exchange.request.params, exchange.request.files, view.entries, view.allow, exchange.request.raw)
    return [Failure("request_forwarded", change.text, change.path) for change in changes]


@check(applies=answered_ok)
def response_passed_through(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """The client got the upstream's answer: same status, no field dropped or changed (allowances of the target aside)."""
    view = exchange.upstream
    if len(view.entries) > 1 and n_split(exchange.request.params, view.entries):
        return []
    record = view.entries[-1]["response"]
    failures = []
    if exchange.response.status != record["status"]:
        failures.append(Failure("response_passed_through",
                                f"the upstream answered {record['status']}, the client got {exchange.response.status}"))
    changed, _ = response_changes(_client_body(exchange), record, exchange.downloads, view.allow)
    return failures + [Failure("response_passed_through", change.text, change.path) for change in changed]


@check(applies=answered_ok, severity=ADVISORY)
def response_unpadded(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """The gateway added no fields (such as `null` padding) to the upstream's answer."""
    view = exchange.upstream
    if len(view.entries) > 1 and n_split(exchange.request.params, view.entries):
        return []
    _, added = response_changes(_client_body(exchange), view.entries[-1]["response"], exchange.downloads, view.allow)
    return [Failure("response_unpadded", change.text, change.path) for change in added]


@check(applies=answered_error)
def errors_passed_through(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """An upstream error reaches the client as sent: status, `type`, `code`, `param`, and a 429's Retry-After."""
    record = exchange.upstream.entries[-1]["response"]
    changes, _ = error_changes(exchange.response.status, exchange.response.json_or_none(), exchange.response.headers, record)
    return [Failure("errors_passed_through", change.text, change.path) for change in changes]


@check(applies=answered_error, severity=ADVISORY)
def error_message_passed_through(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """An upstream error's message reaches the client as worded."""
    record = exchange.upstream.entries[-1]["response"]
    _, reworded = error_changes(exchange.response.status, exchange.response.json_or_none(), exchange.response.headers, record)
    return [Failure("error_message_passed_through", change.text, change.path) for change in reworded]


@check(applies=forwarded)
def gateway_overhead(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """The gateway's own time (client latency minus upstream latency) is within the overhead budget."""
    view = exchange.upstream
    overhead = view.overhead(exchange.response.elapsed)
    if overhead is None or overhead <= view.overhead_budget:
        return []
    reason = (f"the gateway added {overhead:.2f} s (client {exchange.response.elapsed:.2f} s, upstream "
              f"{view.upstream_seconds:.2f} s), over its overhead budget of {view.overhead_budget:.2f} s")
    return [Failure("gateway_overhead", reason)]
