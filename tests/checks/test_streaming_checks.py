"""stream_events: partial images in order, no more than asked, then one completed event per image."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from imagecontract.exchange import StreamEvent

PARAMS = {"model": "gpt-image-1", "prompt": "a cat", "stream": True, "partial_images": 2}


def events(*kinds: tuple[str, int | None]) -> list[StreamEvent]:
    made = []
    for at, (kind, index) in enumerate(kinds):
        data: dict[str, Any] = {"type": kind, "b64_json": "AAAA"}
        if index is not None:
            data["partial_image_index"] = index
        made.append(StreamEvent(event=kind, data=data, at=at * 0.1))
    return made


GOOD = events(("image_generation.partial_image", 0), ("image_generation.partial_image", 1), ("image_generation.completed", None))


def test_a_complete_stream_passes(judge: Callable, make_exchange: Callable) -> None:
    outcome = judge("stream_events", make_exchange(params=PARAMS, body=b"", events=GOOD))
    assert outcome.applicable and outcome.failures == []


@pytest.mark.parametrize(
    ("stream", "reason"),
    [
        (GOOD[:2], "expected exactly one image_generation.completed event, got 0"),
        ([GOOD[1], GOOD[0], GOOD[2]], "expected partial_image_index 0, 1, 2, ... in order, got [1, 0]"),
        ([GOOD[0], GOOD[1], GOOD[1], GOOD[2]], "expected at most 2 partial images (1 x partial_images), got 3"),
        ([GOOD[2], GOOD[0], GOOD[1]], "expected image_generation.completed to be the last event, it is event 0 of 3"),
        ([*GOOD, GOOD[2]], "expected exactly one image_generation.completed event, got 2"),
    ],
)
def test_broken_streams_fail_with_what_is_wrong(judge: Callable, make_exchange: Callable, stream: list, reason: str) -> None:
    outcome = judge("stream_events", make_exchange(params=PARAMS, body=b"", events=stream))
    assert reason in [failure.reason for failure in outcome.failures]


def test_a_stream_answered_as_json_fails(judge: Callable, make_exchange: Callable) -> None:
    outcome = judge("stream_events", make_exchange(params=PARAMS, body={"created": 1, "data": []}))
    assert [failure.reason for failure in outcome.failures] == ["expected text/event-stream for stream: true, got application/json"]


def test_not_applicable_without_stream(judge: Callable, make_exchange: Callable) -> None:
    assert not judge("stream_events", make_exchange(params={"model": "gpt-image-1", "prompt": "x"}, body={})).applicable


def test_fewer_partials_than_asked_pass(judge: Callable, make_exchange: Callable) -> None:
    """The spec: the final image may be sent before the full number of partial images."""
    outcome = judge("stream_events", make_exchange(params=PARAMS, body=b"", events=[GOOD[0], GOOD[2]]))
    assert outcome.failures == []


def test_n_images_stream_one_completed_event_each_with_partials_numbered_across_the_stream(
    judge: Callable, make_exchange: Callable
) -> None:
    two = events(("image_generation.partial_image", 0), ("image_generation.completed", None),
                 ("image_generation.partial_image", 1), ("image_generation.completed", None))
    params = {**PARAMS, "n": 2, "partial_images": 1}
    assert judge("stream_events", make_exchange(params=params, body=b"", events=two)).failures == []
    restarted = events(("image_generation.partial_image", 0), ("image_generation.completed", None),
                       ("image_generation.partial_image", 0), ("image_generation.completed", None))
    reasons = [f.reason for f in judge("stream_events", make_exchange(params=params, body=b"", events=restarted)).failures]
    assert reasons == ["expected partial_image_index 0, 1, 2, ... in order, got [0, 0]"]
    one = judge("stream_events", make_exchange(params=params, body=b"", events=two[:2])).failures
    assert [f.reason for f in one] == ["expected 2 (one per image) image_generation.completed events, got 1"]
