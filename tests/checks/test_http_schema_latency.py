"""status_code, response_schema and latency_budget."""

from __future__ import annotations

from typing import Any, Callable

from imagecontract.checks import CheckOutcome
from imagecontract.exchange import Exchange, StreamEvent

Judge = Callable[[str, Exchange], CheckOutcome]
MakeExchange = Callable[..., Exchange]

SEED_ERROR = {"error": {"code": None, "message": "'image' is a required property", "param": None,
                        "type": "invalid_request_error"}}


def reasons(outcome: CheckOutcome) -> list[tuple[str, str]]:
    return [(failure.path, failure.reason) for failure in outcome.failures]


def test_status_code(judge: Judge, make_exchange: MakeExchange) -> None:
    assert judge("status_code", make_exchange(body={})).passed
    assert judge("status_code", make_exchange(status=400, body=SEED_ERROR, expect={"status": 400})).passed
    assert reasons(judge("status_code", make_exchange(status=500, body={}))) == [("$", "expected 200, got 500")]


def test_latency_budget(judge: Judge, make_exchange: MakeExchange) -> None:
    assert judge("latency_budget", make_exchange(body={}, elapsed=7.9, latency_budget=8.0)).passed
    late = judge("latency_budget", make_exchange(body={}, elapsed=9.311, latency_budget=8.0))
    assert reasons(late) == [("$", "took 9.31 s, budget 8.00 s")]
    assert not judge("latency_budget", make_exchange(body={}, elapsed=99.0)).applicable


def test_response_schema_on_success(judge: Judge, make_exchange: MakeExchange,
                                    images_body: Callable[..., dict[str, Any]], make_image: Callable[..., bytes]) -> None:
    assert judge("response_schema", make_exchange(body=images_body(make_image()))).passed
    outcome = judge("response_schema", make_exchange(body={"data": [{"url": 5}]}))
    assert reasons(outcome) == [("$", "required property 'created' is missing"),
                                ("$.data[0].url", "expected string, got integer 5")]


def test_response_schema_on_errors_requires_every_envelope_key(judge: Judge, make_exchange: MakeExchange) -> None:
    assert judge("response_schema", make_exchange(status=400, body=SEED_ERROR)).passed
    dropped = {"error": {key: value for key, value in SEED_ERROR["error"].items() if key != "param"}}
    assert reasons(judge("response_schema", make_exchange(status=400, body=dropped))) == [
        ("$.error", "required property 'param' is missing")
    ]


def test_response_schema_names_a_non_json_body(judge: Judge, make_exchange: MakeExchange) -> None:
    exchange = make_exchange(status=502, body=b"<html><body>" + b"Bad Gateway " * 20, headers={"content-type": "text/html"})
    ((path, reason),) = reasons(judge("response_schema", exchange))
    assert reason.startswith('expected a JSON body, got text/html: "<html><body>Bad Gateway')
    assert len(reason) < 150


def test_response_schema_uses_the_expected_schema(judge: Judge, make_exchange: MakeExchange) -> None:
    usage = {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2,
             "input_tokens_details": {"text_tokens": 1, "image_tokens": 0}}
    assert judge("response_schema", make_exchange(body=usage, expect={"schema": "usage.schema.json"})).passed
    assert not judge("response_schema", make_exchange(body={}, expect={"schema": "usage.schema.json"})).passed


def test_response_schema_does_not_apply_to_other_endpoints(judge: Judge, make_exchange: MakeExchange) -> None:
    assert not judge("response_schema", make_exchange(endpoint="models", body={"data": []})).applicable


def _event(kind: str, **fields: Any) -> StreamEvent:
    data = {"type": kind, "b64_json": "aGk=", "created_at": 1, "size": "1024x1024", "quality": "low",
            "background": "opaque", "output_format": "png", **fields}
    return StreamEvent(kind, data, 0.1)


def test_response_schema_judges_each_stream_event(judge: Judge, make_exchange: MakeExchange) -> None:
    usage = {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2,
             "input_tokens_details": {"text_tokens": 1, "image_tokens": 0}}
    good = [_event("image_edit.partial_image", partial_image_index=0), _event("image_edit.completed", usage=usage)]
    assert judge("response_schema", make_exchange(endpoint="edits", body=b"", events=good)).passed
    bad = [
        _event("image_generation.partial_image"),
        StreamEvent("image_generation.completed", {**_event("image_generation.completed", usage=usage).data,
                                                   "type": "image_generation.done"}, 0.2),
        StreamEvent("image_generation.completed", _event("image_edit.completed", usage=usage).data, 0.3),
    ]
    assert reasons(judge("response_schema", make_exchange(body=b"", events=bad))) == [
        ("$.events[0]", "required property 'partial_image_index' is missing"),
        ("$.events[1].type", "expected an event type among image_generation.partial_image, "
         "image_generation.completed, image_edit.partial_image, image_edit.completed, "
         'got string "image_generation.done"'),
        ("$.events[2]", 'expected the event name to be its type "image_edit.completed", '
         'got "image_generation.completed"'),
    ]


def test_an_unexpected_status_quotes_what_the_server_said(judge: Callable, make_exchange: Callable) -> None:
    envelope = {"error": {"message": "Invalid value for 'size': '300x300'.", "type": "invalid_request_error"}}
    assert reasons(judge("status_code", make_exchange(status=400, body=envelope))) == [
        ("$", "expected 200, got 400 (the server said: Invalid value for 'size': '300x300'.)")]
    assert reasons(judge("status_code", make_exchange(status=404, body={"message": "no route"}))) == [
        ("$", "expected 200, got 404 (the server said: no route)")]
