"""first_event_latency: a stream's first event against `expect.latency.first_event`, on exchanges and live."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import pytest

from imagecontract.exchange import Exchange, StreamEvent

PARAMS = {"model": "gpt-image-1", "prompt": "a cat", "stream": True, "partial_images": 1}


def streamed(make_exchange: Callable[..., Exchange], arrivals: list[float], budget: float | None, elapsed: float = 2.0) -> Exchange:
    kinds = ["image_generation.partial_image"] * (len(arrivals) - 1) + ["image_generation.completed"]
    events = [StreamEvent(event=kind, data={"type": kind}, at=at) for kind, at in zip(kinds, arrivals)]
    exchange = make_exchange(params=PARAMS, body=b"", events=events, elapsed=elapsed)
    return dataclasses.replace(exchange, first_event_budget=budget)


def test_a_first_event_within_budget_passes(judge: Callable, make_exchange: Callable) -> None:
    outcome = judge("first_event_latency", streamed(make_exchange, [0.4, 1.9], budget=0.5))
    assert outcome.applicable and outcome.failures == []


def test_a_late_first_event_fails_with_both_times(judge: Callable, make_exchange: Callable) -> None:
    outcome = judge("first_event_latency", streamed(make_exchange, [1.8, 1.9], budget=0.5))
    assert [failure.reason for failure in outcome.failures] == [
        "first event after 1.80 s, first-event budget 0.50 s (whole answer 2.00 s)"
    ]


def test_only_the_first_event_counts(judge: Callable, make_exchange: Callable) -> None:
    assert judge("first_event_latency", streamed(make_exchange, [0.5, 9.0], budget=0.5, elapsed=9.0)).passed


def test_a_stream_without_events_fails(judge: Callable, make_exchange: Callable) -> None:
    outcome = judge("first_event_latency", streamed(make_exchange, [], budget=0.5, elapsed=0.1))
    assert [failure.reason for failure in outcome.failures] == [
        "the stream ended after 0.10 s without an event, first-event budget 0.50 s"
    ]


def test_not_applicable_without_a_first_event_budget(judge: Callable, make_exchange: Callable) -> None:
    assert not judge("first_event_latency", streamed(make_exchange, [9.0], budget=None)).applicable


def test_not_applicable_to_an_answer_that_is_not_a_stream(judge: Callable, make_exchange: Callable) -> None:
    exchange = dataclasses.replace(make_exchange(params=PARAMS, body={"created": 1, "data": []}), first_event_budget=0.001)
    assert not judge("first_event_latency", exchange).applicable


STREAM = """\
name: First event
requests:
  - name: slow first partial
    path: /images/generations
    json: {{model: gpt-image-1.5, prompt: a paper boat, size: 1024x1024, quality: low, stream: true, partial_images: 1}}
    expect:
      images: {{count: 1}}
      latency: {{budget: 100, first_event: {first_event}}}
"""


@pytest.mark.parametrize(("first_event", "passes"), [(1.0, False), (40.0, True)])
def test_live_against_a_slow_sandbox_stream(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, sandbox: Any, first_event: float, passes: bool
) -> None:
    """The sandbox sends the one partial after half of 6-8 s x 0.1: 0.3-0.4 s. With --latency-scale 0.1 the
    budgets become 0.1 s (fails) and 4 s (passes), the total 10 s either way, so only the first event decides."""
    server = sandbox(latency_scale=0.1, as_of=None)
    (pytester.path / "collections").mkdir()
    (pytester.path / "collections" / "first.yaml").write_text(STREAM.format(first_event=first_event))
    monkeypatch.setenv("OPENAI_API_KEY", "ic-test-key-0123456789")
    result = pytester.runpytest("--target", server.base_url, "--as-of", "today", "--live", "--latency-scale", "0.1", "--no-report",
                                "-p", "no:cacheprovider")
    result.assert_outcomes(passed=int(passes), failed=int(not passes))
    if not passes:
        result.stdout.fnmatch_lines(["*[[]first_event_latency[]]*first event after * s, first-event budget 0.10 s*"])
        assert "[latency_budget]" not in result.stdout.str()


def test_an_instant_replay_is_judged_by_the_recorded_first_event(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, sandbox: Any
) -> None:
    """Replayed at once, the events arrive at about 0 s; the check must still see when they came when recorded.

    The recording itself must see the transport's times too: vcrpy hands the body over only once it is whole."""
    server = sandbox(latency_scale=0.1, as_of=None)
    (pytester.path / "collections").mkdir()
    collection = pytester.path / "collections" / "first.yaml"
    collection.write_text(STREAM.format(first_event=8))
    monkeypatch.setenv("OPENAI_API_KEY", "ic-test-key-0123456789")
    common = ("--target", server.base_url, "--as-of", "today", "--latency-scale", "0.1", "--no-report", "-p", "no:cacheprovider")
    pytester.runpytest(*common, "--record-mode", "once").assert_outcomes(passed=1)
    collection.write_text(STREAM.format(first_event=2))
    replayed = pytester.runpytest(*common, "--replay-pace", "instant")
    replayed.assert_outcomes(failed=1)
    replayed.stdout.fnmatch_lines(["*[[]first_event_latency[]]*first event after 0.[3-7]* s, first-event budget 0.20 s*"])
