"""When a check applies: predicates over an exchange, shared so `applicable` means the same everywhere."""

from __future__ import annotations

from typing import Callable

from imagecontract.checks.requested import Requested
from imagecontract.exchange import Exchange

Predicate = Callable[[Exchange], bool]


def always(exchange: Exchange) -> bool:
    return True


def is_image_answer(exchange: Exchange) -> bool:
    """A 2xx answer from an images endpoint (generations, edits, variations)."""
    return 200 <= exchange.response.status < 300 and exchange.request.endpoint is not None


def is_json_image_answer(exchange: Exchange) -> bool:
    """An image answer in one JSON body, not a stream of events."""
    return is_image_answer(exchange) and exchange.response.events is None


def is_error(exchange: Exchange) -> bool:
    """An error was expected, or one came."""
    return "error" in exchange.expect or exchange.response.status >= 400


def expects(key: str) -> Predicate:
    """The request's `expect` has `key`."""
    return lambda exchange: key in exchange.expect


def has_secrets(exchange: Exchange) -> bool:
    return bool(exchange.secrets)


def has_latency_budget(exchange: Exchange) -> bool:
    return exchange.latency_budget is not None


def streamed_with_first_event_budget(exchange: Exchange) -> bool:
    """The answer came as server-sent events and the request declares a first-event budget."""
    return exchange.response.events is not None and exchange.first_event_budget is not None


def model_rule(attribute: str) -> Predicate:
    """A JSON image answer from a known model whose rules set `attribute` (e.g. `usage`)."""

    def applies(exchange: Exchange) -> bool:
        rules = Requested.of(exchange).rules
        return is_json_image_answer(exchange) and rules is not None and bool(getattr(rules, attribute))

    return applies


def all_of(*predicates: Predicate) -> Predicate:
    return lambda exchange: all(predicate(exchange) for predicate in predicates)


def any_of(*predicates: Predicate) -> Predicate:
    return lambda exchange: any(predicate(exchange) for predicate in predicates)
