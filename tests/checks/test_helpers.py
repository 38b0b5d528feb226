"""JSON paths, value descriptions, secret leaks, the effective model and the requested view."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imagecontract.checks.leaks import REDACTED, allowed_prefix, find_leaks, redact
from imagecontract.checks.requested import Requested
from imagecontract.exchange import Exchange
from imagecontract.jsonpath import MISSING, describe_value, format_path, json_equal, lookup, parse_path
from imagecontract.rules import DEFAULT_MODEL, GPT_IMAGE_DEFAULT_MODEL, SEED_ERA, effective_model

parts = st.lists(st.one_of(st.integers(min_value=-9, max_value=99), st.text()))


@given(parts)
def test_paths_round_trip(steps: list[str | int]) -> None:
    assert parse_path(format_path(steps)) == tuple(steps)


@pytest.mark.parametrize(
    "text, steps",
    [("created", ("created",)), ("$", ()), ("data[0].revised_prompt", ("data", 0, "revised_prompt")),
     ("$.data[-1]['odd key']", ("data", -1, "odd key")), ('x["a\\"b"]', ("x", 'a"b')), ("[2]", (2,))],
)
def test_parse_path(text: str, steps: tuple) -> None:
    assert parse_path(text) == steps


@pytest.mark.parametrize("text", ["data[x]", "data..x", "data[0", "a b"])
def test_parse_path_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid path"):
        parse_path(text)


def test_lookup() -> None:
    document = {"data": [{"url": None}], "n": 0}
    assert lookup(document, ("data", 0, "url")) is None
    assert lookup(document, ("data", 1)) is MISSING
    assert lookup(document, ("n", "x")) is MISSING
    assert lookup(document, ("data", "0")) is MISSING


@pytest.mark.parametrize(
    "value, text",
    [(5, "integer 5"), (1.5, "number 1.5"), (True, "boolean true"), (None, "null"), (MISSING, "nothing"),
     ("hi", 'string "hi"'), ([], "array []"), ({"a": 1}, "object {a}"), ("x" * 50, f'string "{"x" * 40}…" (50 chars)')],
)
def test_describe_value(value: Any, text: str) -> None:
    assert describe_value(value) == text


@pytest.mark.parametrize(
    "left, right, equal",
    [(1, 1.0, True), (True, 1, False), ("1", 1, False), ([1, {"a": None}], [1.0, {"a": None}], True),
     ({"a": 1}, {"a": 1, "b": 2}, False), (None, MISSING, False)],
)
def test_json_equal(left: Any, right: Any, equal: bool) -> None:
    assert json_equal(left, right) is equal


def test_leaks_and_redaction() -> None:
    secret = "sk-abc123def456"
    assert allowed_prefix(secret) == 6 and allowed_prefix("sk-proj-abcdefgh") == 8
    assert find_leaks(secret, "masked sk-abc***...456") == []
    (leak,) = find_leaks(secret, f"key={secret[:10]}!")
    assert (leak.offset, leak.shown) == (4, 10)
    assert redact(f"a {secret} b {secret[:8]}", [secret]) == f"a {REDACTED} b {REDACTED}"
    assert find_leaks("", "anything") == []
    assert [leak.shown for leak in find_leaks("abc", "xabcx")] == [3]


@pytest.mark.parametrize(
    "params, endpoint, model",
    [
        ({}, "generations", DEFAULT_MODEL),
        ({"model": "dall-e-3"}, "generations", "dall-e-3"),
        ({"background": "transparent"}, "generations", GPT_IMAGE_DEFAULT_MODEL),
        ({"output_format": "webp"}, "edits", GPT_IMAGE_DEFAULT_MODEL),
        ({"output_format": "webp"}, "variations", DEFAULT_MODEL),
        ({"size": "512x512"}, "edits", DEFAULT_MODEL),
    ],
)
def test_effective_model_in_the_seed_era(params: dict, endpoint: str, model: str) -> None:
    assert effective_model(params, endpoint, as_of=SEED_ERA) == model


@pytest.mark.parametrize(
    "params, endpoint, model",
    [
        ({}, "generations", ""),
        ({"background": "transparent"}, "generations", ""),
        ({"model": "gpt-image-2"}, "generations", "gpt-image-2"),
        ({}, "edits", "gpt-image-1.5"),
        ({"images": [{"file_id": "f"}]}, "edits", "gpt-image-1.5"),
        ({}, "variations", "dall-e-2"),
    ],
)
def test_effective_model_today(params: dict, endpoint: str, model: str) -> None:
    """No default on generations from 2026-05-12 (the SDK: specify a model); gpt-image-1.5 on edits (the spec)."""
    assert effective_model(params, endpoint) == model


def test_effective_model_reads_the_image_list_form() -> None:
    assert effective_model({}, "edits", ["image[]"], as_of=SEED_ERA) == GPT_IMAGE_DEFAULT_MODEL
    assert effective_model({}, "edits", ["image", "mask"], as_of=SEED_ERA) == DEFAULT_MODEL


def test_requested_view(make_exchange: Callable[..., Exchange]) -> None:
    form = Requested.of(make_exchange(endpoint="edits", params={"n": "2", "output_format": "jpeg"}))
    assert (form.model, form.n, form.output_format, form.sizes, form.response_format) == (
        "gpt-image-1", 2, "jpeg", ("1024x1024", "1536x1024", "1024x1536"), ("b64_json", "the only format gpt-image-1 returns"))
    dalle = Requested.of(make_exchange(params={"model": "dall-e-3", "n": "many"}))
    assert (dalle.n, dalle.output_format, dalle.sizes, dalle.response_format) == (
        1, "png", ("1024x1024",), ("url", "the default of dall-e-3"))
    unknown = Requested.of(make_exchange(params={"model": "flux"}))
    assert (unknown.rules, unknown.sizes, unknown.output_format, unknown.response_format) == (None, None, None, None)
