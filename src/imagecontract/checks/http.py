"""The HTTP status of a response, and what the server said when it was not the expected one."""

from __future__ import annotations

import re
from typing import Callable

from imagecontract.checks.conditions import always
from imagecontract.checks.registry import CheckContext, check
from imagecontract.collection.model import Expectation
from imagecontract.exchange import Exchange, Failure, ReceivedResponse

MESSAGE_CHARS = 300
"""The server's message is quoted up to this length: enough for any API error, not a whole HTML page."""


def _envelope_message(response: ReceivedResponse) -> str | None:
    body = response.json_or_none()
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return error["message"]
    if isinstance(error, str):
        return error
    return body.get("message") if isinstance(body, dict) and isinstance(body.get("message"), str) else None


def _text_message(response: ReceivedResponse) -> str | None:
    if response.content_type not in ("text/plain", "text/html") or not response.body:
        return None
    text = re.sub(r"<[^>]*>", " ", response.body.decode("utf-8", "replace"))
    return " ".join(text.split()) or None


MESSAGE_SOURCES: tuple[Callable[[ReceivedResponse], str | None], ...] = (_envelope_message, _text_message)
"""Where a server puts its reason, in order: the OpenAI envelope (or a flat `message`), then a text or HTML body."""


def server_message(response: ReceivedResponse) -> str | None:
    """The server's own words about an answer, on one line and bounded, or None when it said nothing readable."""
    for source in MESSAGE_SOURCES:
        message = source(response)
        if message:
            line = " ".join(message.split())
            return line if len(line) <= MESSAGE_CHARS else line[:MESSAGE_CHARS] + "..."
    return None



@check(applies=always)
def status_code(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """The status is `expect.status`: 200 unless stated, any 4xx for a request expecting a retirement.

    A wrong status quotes the server's message in the reason."""
    expected = Expectation.of(exchange.expect)
    actual = exchange.response.status
    if expected.accepts(actual):
        return []
    said = server_message(exchange.response) if actual >= 400 else None
    return [Failure("status_code", f"expected {expected.described}, got {actual}" + (f" (the server said: {said})" if said else ""))]

