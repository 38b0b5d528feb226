"""What a streamed answer promises: partial images in order, then exactly one completed event.

vcrpy and most gateways treat a stream as one body; these checks notice when a
stream was cut, reordered, or answered as plain JSON.
"""

from __future__ import annotations

from imagecontract.checks.conditions import is_image_answer
from imagecontract.checks.registry import CheckContext, check
from imagecontract.exchange import Exchange, Failure, StreamEvent
from imagecontract.rules import DEFAULT_N, MAX_PARTIAL_IMAGES

_KINDS = {"generations": "image_generation", "edits": "image_edit"}


def asked_to_stream(exchange: Exchange) -> bool:
    """`stream: true` was sent and the answer is a success from an images endpoint."""
    return is_image_answer(exchange) and str(exchange.request.params.get("stream", "")).lower() == "true"


def _asked(exchange: Exchange, name: str, default: int, highest: int) -> int:
    try:
        return min(int(exchange.request.params.get(name, default)), highest)
    except (TypeError, ValueError):
        return default


def _type(event: StreamEvent) -> str:
    return event.data.get("type", "") if isinstance(event.data, dict) else ""


@check(applies=asked_to_stream)
def stream_events(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """A stream answers as events: partials indexed 0, 1, 2, ..., then one completed event per image.

    At most `partial_images` partials per image, indexed across the whole stream; the last event is a completed
    one. Fewer partials than asked pass: the spec says the final image may come before all partials are made."""
    events = exchange.response.events
    if events is None:
        reason = f"expected text/event-stream for stream: true, got {exchange.response.content_type or 'no content type'}"
        return [Failure("stream_events", reason)]
    prefix = _KINDS.get(exchange.request.endpoint or "", "image_generation")
    images = _asked(exchange, "n", DEFAULT_N, 10 ** 6)
    failures = []
    partials = [event for event in events if _type(event) == f"{prefix}.partial_image"]
    completed = [index for index, event in enumerate(events) if _type(event) == f"{prefix}.completed"]
    indexes = [event.data.get("partial_image_index") for event in partials]
    if indexes != list(range(len(partials))):
        failures.append(Failure("stream_events", f"expected partial_image_index 0, 1, 2, ... in order, got {indexes}"))
    most = images * _asked(exchange, "partial_images", 0, MAX_PARTIAL_IMAGES)
    if len(partials) > most:
        failures.append(Failure("stream_events", f"expected at most {most} partial images ({images} x partial_images), got {len(partials)}"))
    if len(completed) != images:
        wanted = "exactly one" if images == 1 else f"{images} (one per image)"
        failures.append(Failure("stream_events", f"expected {wanted} {prefix}.completed event{'s' if images > 1 else ''}, got {len(completed)}"))
    elif completed[-1] != len(events) - 1:
        failures.append(Failure("stream_events", f"expected {prefix}.completed to be the last event, it is event {completed[-1]} of {len(events)}"))
    return failures
