"""The HTTP status of a response."""

from __future__ import annotations

from imagecontract.checks.conditions import always
from imagecontract.checks.registry import CheckContext, check
from imagecontract.collection.model import Expectation
from imagecontract.exchange import Exchange, Failure

@check(applies=always)
def status_code(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """The status is `expect.status` (200 unless stated)."""
    expected = Expectation.of(exchange.expect).status
    actual = exchange.response.status
    return [] if actual == expected else [Failure("status_code", f"expected {expected}, got {actual}")]

