"""The HTTP status of a response."""

from __future__ import annotations

from imagecontract.checks.conditions import always
from imagecontract.checks.registry import CheckContext, check
from imagecontract.exchange import Exchange, Failure

DEFAULT_STATUS = 200


@check(applies=always)
def status_code(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """The status is `expect.status` (200 unless stated; any 4xx for a request expecting a retirement).

    No source quotes the real API's status for a retired model, so `expect.retired` takes any client error."""
    actual = exchange.response.status
    if "retired" in exchange.expect and "status" not in exchange.expect:
        return [] if 400 <= actual < 500 else [Failure("status_code", f"expected a 4xx client error, got {actual}")]
    expected = exchange.expect.get("status", DEFAULT_STATUS)
    return [] if actual == expected else [Failure("status_code", f"expected {expected}, got {actual}")]
