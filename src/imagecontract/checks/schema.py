"""The response body (or each stream event) against its JSON Schema."""

from __future__ import annotations

from imagecontract.checks.conditions import any_of, expects, is_error, is_image_answer
from imagecontract.checks.registry import CheckContext, check
from imagecontract.exchange import Exchange, Failure, StreamEvent
from imagecontract.jsonpath import describe_value, format_path, show

SUCCESS_SCHEMA = "images_response.schema.json"
ERROR_SCHEMA = "error.schema.json"

STREAM_EVENT_SCHEMAS = {
    event_type: f"{event_type}.schema.json"
    for event_type in (
        "image_generation.partial_image",
        "image_generation.completed",
        "image_edit.partial_image",
        "image_edit.completed",
    )
}
"""The documented stream events, each with its own schema file."""

SHOWN_BODY_CHARS = 80


@check(applies=any_of(expects("schema"), is_image_answer, is_error))
def response_schema(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """The body matches `expect.schema`, else the images or error schema by status; stream events their own."""
    named = exchange.expect.get("schema")
    response = exchange.response
    if response.events is not None:
        return [
            failure
            for position, event in enumerate(response.events)
            for failure in _event_failures(event, format_path(["events", position]), named, context)
        ]
    try:
        body = response.json
    except ValueError:
        kind = response.content_type or "no content type"
        start = response.body[:SHOWN_BODY_CHARS].decode("utf-8", "replace")
        return [Failure("response_schema", f"expected a JSON body, got {kind}: {show(start, SHOWN_BODY_CHARS)}")]
    default = SUCCESS_SCHEMA if 200 <= response.status < 300 else ERROR_SCHEMA
    return context.schemas.validate(body, named or default)


def _event_failures(event: StreamEvent, path: str, named: str | None, context: CheckContext) -> list[Failure]:
    event_type = event.data.get("type") if isinstance(event.data, dict) else None
    schema = named or STREAM_EVENT_SCHEMAS.get(str(event_type))
    if schema is None:
        known = ", ".join(STREAM_EVENT_SCHEMAS)
        reason = f"expected an event type among {known}, got {describe_value(event_type)}"
        return [Failure("response_schema", reason, f"{path}.type")]
    failures = []
    if event.event is not None and event.event != event_type:
        reason = f"expected the event name to be its type {show(event_type)}, got {show(event.event)}"
        failures.append(Failure("response_schema", reason, path))
    return failures + context.schemas.validate(event.data, schema, at=path)


JSON_MEDIA_TYPES = ("application/json",)


def _is_json_body(exchange: Exchange) -> bool:
    """A whole body (not a stream) that parses as JSON."""
    return exchange.response.events is None and bool(exchange.response.body.strip()) and exchange.response.json_or_none() is not None


@check(applies=_is_json_body)
def json_content_type(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """A JSON answer says so: Content-Type application/json (SDKs parse by it)."""
    media = exchange.response.content_type
    if media in JSON_MEDIA_TYPES or media.endswith("+json"):
        return []
    shown = media or "no Content-Type"
    return [Failure("json_content_type", f"expected Content-Type application/json for a JSON body, got {shown}: "
                                         f"clients that go by the Content-Type (the OpenAI SDKs) will not parse it")]
