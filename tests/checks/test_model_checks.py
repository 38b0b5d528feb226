"""response_format, revised_prompt and usage: what each model's rules promise."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from imagecontract.checks import CheckOutcome
from imagecontract.exchange import Exchange

Judge = Callable[[str, Exchange], CheckOutcome]
MakeExchange = Callable[..., Exchange]

USAGE = {"total_tokens": 100, "input_tokens": 50, "output_tokens": 50,
         "input_tokens_details": {"text_tokens": 10, "image_tokens": 40}}


def reasons(outcome: CheckOutcome) -> list[tuple[str, str]]:
    return [(failure.path, failure.reason) for failure in outcome.failures]


def answer(*images: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"created": 1, "data": list(images), **extra}


@pytest.mark.parametrize(
    "params, image",
    [
        ({}, {"url": "https://x/1.png"}),
        ({"model": "dall-e-3", "response_format": "b64_json"}, {"b64_json": "aGk=", "revised_prompt": "p"}),
        ({"model": "gpt-image-1"}, {"b64_json": "aGk="}),
        ({"background": "opaque"}, {"b64_json": "aGk="}),
    ],
)
def test_response_format_as_asked_or_by_default(judge: Judge, make_exchange: MakeExchange, params: dict, image: dict) -> None:
    assert judge("response_format", make_exchange(params=params, body=answer(image))).passed


def test_response_format_dall_e_defaults_to_url(judge: Judge, make_exchange: MakeExchange) -> None:
    outcome = judge("response_format", make_exchange(body=answer({"b64_json": "aGk="})))
    assert reasons(outcome) == [
        ("$.data[0].url", "expected url (the default of dall-e-2), got nothing"),
        ("$.data[0].b64_json", 'expected no b64_json when the response format is url, got string "aGk="'),
    ]


def test_response_format_gpt_image_is_always_b64(judge: Judge, make_exchange: MakeExchange) -> None:
    exchange = make_exchange(params={"model": "gpt-image-1", "response_format": "url"}, body=answer({"url": "https://x"}))
    assert reasons(judge("response_format", exchange))[0] == (
        "$.data[0].b64_json", "expected b64_json (the only format gpt-image-1 returns), got nothing")


def test_response_format_unknown_model(judge: Judge, make_exchange: MakeExchange) -> None:
    assert not judge("response_format", make_exchange(params={"model": "flux"}, body=answer({"url": "u"}))).applicable
    asked = make_exchange(params={"model": "flux", "response_format": "b64_json"}, body=answer({"url": "u"}))
    assert not judge("response_format", asked).passed


def test_revised_prompt(judge: Judge, make_exchange: MakeExchange) -> None:
    params = {"model": "dall-e-3"}
    assert judge("revised_prompt", make_exchange(params=params, body=answer({"url": "u", "revised_prompt": "an otter"}))).passed
    outcome = judge("revised_prompt", make_exchange(params=params, body=answer({"url": "u", "revised_prompt": " "})))
    assert reasons(outcome) == [
        ("$.data[0].revised_prompt", 'expected a non-empty revised_prompt (dall-e-3 revises every prompt), got string " "')
    ]
    assert not judge("revised_prompt", make_exchange(body=answer({"url": "u"}))).applicable


def test_usage(judge: Judge, make_exchange: MakeExchange) -> None:
    params = {"model": "gpt-image-1"}
    assert judge("usage", make_exchange(params=params, body=answer({"b64_json": "aGk="}, usage=USAGE))).passed
    outcome = judge("usage", make_exchange(params=params, body=answer({"b64_json": "aGk="})))
    assert reasons(outcome) == [("$.usage", "expected a usage object (gpt-image-1 reports token usage), got nothing")]
    assert not judge("usage", make_exchange(params={"model": "dall-e-3"}, body=answer({"url": "u"}))).applicable
    assert not judge("usage", make_exchange(params=params, status=400, body={})).applicable
