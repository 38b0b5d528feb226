"""The answer against the request: reported settings, usage arithmetic, GIF frames, SVG documents, sizes for
`auto` and arbitrary sizes, and retirements. Each check passes a correct answer and names what a wrong one got."""

from __future__ import annotations

import io
from typing import Any, Callable

import pytest
from PIL import Image, ImageDraw

from imagecontract.exchange import StreamEvent

GPT_2 = {"model": "gpt-image-2", "prompt": "a cat"}
USAGE = {"input_tokens": 15, "input_tokens_details": {"text_tokens": 5, "image_tokens": 10}, "output_tokens": 100,
         "output_tokens_details": {"image_tokens": 90, "text_tokens": 10}, "total_tokens": 115}


def reasons(outcome: Any) -> list[str]:
    return [failure.reason for failure in outcome.failures]


def gif(frames: int, duration: int, size: tuple[int, int] = (32, 32)) -> bytes:
    pictures = []
    for index in range(frames):
        picture = Image.new("RGB", size, (10, 10, 10))
        ImageDraw.Draw(picture).rectangle((index, 0, index + 2, 2), fill=(255, 255, 0))
        pictures.append(picture)
    buffer = io.BytesIO()
    pictures[0].save(buffer, "GIF", save_all=True, append_images=pictures[1:], duration=duration, loop=0)
    return buffer.getvalue()


def svg(width: int | None, height: int | None, view_box: str | None = None) -> bytes:
    size = f' width="{width}" height="{height}"' if width is not None else ""
    box = f' viewBox="{view_box}"' if view_box else ""
    return f'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"{size}{box}><rect width="4" height="4"/></svg>'.encode()


@pytest.mark.parametrize(
    ("params", "reported", "failure"),
    [
        ({**GPT_2, "size": "1536x864", "quality": "low"}, {"size": "1536x864", "quality": "low", "output_format": "png"}, None),
        ({**GPT_2, "size": "1536x864"}, {"size": "1024x1024"}, "expected size 1536x864, got string \"1024x1024\""),
        ({**GPT_2, "quality": "high"}, {"quality": "low"}, "expected quality high, got string \"low\""),
        ({**GPT_2}, {"quality": "medium", "background": "opaque"}, None),
        ({**GPT_2, "quality": "auto"}, {"quality": "auto"}, "expected quality low or medium or high (auto for gpt-image-2), got string \"auto\""),
        ({**GPT_2, "background": "transparent"}, {"background": "opaque"}, "expected background transparent, got string \"opaque\""),
        ({**GPT_2, "output_format": "webp"}, {"output_format": "png"}, "expected output_format webp, got string \"png\""),
        ({**GPT_2}, {"output_format": "jpeg"}, "expected output_format png, got string \"jpeg\""),
        ({**GPT_2, "size": "auto"}, {"size": "1536x864"}, None),
        ({**GPT_2, "size": "auto"}, {"size": "1000x1000"}, "expected size a size gpt-image-2 allows for auto, got string \"1000x1000\""),
        ({"model": "gpt-image-1.5", "prompt": "x"}, {"size": "1536x864"}, "expected size 1024x1024 or 1536x1024 or 1024x1536, got string \"1536x864\""),
        ({"model": "flux", "prompt": "x", "size": "auto", "quality": "auto"}, {"size": "640x640", "quality": "ultra"}, None),
        ({"model": "gpt-image-2.5-flare", "prompt": "x", "quality": "xhigh"}, {"quality": "xhigh"}, None),
    ],
)
def test_reported_settings(judge: Callable, make_exchange: Callable, images_body: Callable, make_image: Callable,
                           params: dict, reported: dict, failure: str | None) -> None:
    exchange = make_exchange(params=params, body=images_body(make_image(), **reported), as_of=None)
    outcome = judge("reported_settings", exchange)
    assert outcome.applicable
    assert reasons(outcome) == ([failure] if failure else [])


def test_reported_settings_in_stream_events_may_say_auto_for_what_was_left_to_the_model(
    judge: Callable, make_exchange: Callable
) -> None:
    data = {"type": "image_generation.completed", "size": "auto", "quality": "auto", "background": "auto", "output_format": "png"}
    stream = [StreamEvent("image_generation.completed", data, 0.1)]
    params = {"model": "gpt-image-1.5", "prompt": "x", "stream": True}
    assert reasons(judge("reported_settings", make_exchange(params=params, body=b"", events=stream, as_of=None))) == []
    pinned = {**params, "size": "1024x1536"}
    assert reasons(judge("reported_settings", make_exchange(params=pinned, body=b"", events=stream, as_of=None))) == [
        'expected size 1024x1536, got string "auto"']


def test_reported_settings_do_not_apply_to_answers_without_them(judge: Callable, make_exchange: Callable,
                                                                 images_body: Callable, make_image: Callable) -> None:
    """DALL·E answers, and GPT answers of the seed era, carry no settings fields."""
    exchange = make_exchange(params={"model": "dall-e-2", "prompt": "x"}, body=images_body(make_image()))
    assert not judge("reported_settings", exchange).applicable


@pytest.mark.parametrize(
    ("usage", "failure"),
    [
        (USAGE, None),
        ({**USAGE, "total_tokens": 116}, "expected total_tokens = input_tokens 15 + output_tokens 100 = 115, got 116"),
        ({**USAGE, "input_tokens": 14, "total_tokens": 114},
         "expected input_tokens = input_tokens_details.text_tokens 5 + input_tokens_details.image_tokens 10 = 15, got 14"),
        ({**USAGE, "output_tokens_details": {"image_tokens": 80, "text_tokens": 10}},
         "expected output_tokens = output_tokens_details.text_tokens 10 + output_tokens_details.image_tokens 80 = 90, got 100"),
        ({key: value for key, value in USAGE.items() if key != "output_tokens_details"}, None),
    ],
)
def test_usage_arithmetic(judge: Callable, make_exchange: Callable, images_body: Callable, make_image: Callable,
                          usage: dict, failure: str | None) -> None:
    outcome = judge("usage_arithmetic", make_exchange(params=GPT_2, body=images_body(make_image(), usage=usage)))
    assert reasons(outcome) == ([failure] if failure else [])


def test_usage_arithmetic_judges_each_completed_event(judge: Callable, make_exchange: Callable) -> None:
    bad = {"type": "image_generation.completed", "usage": {**USAGE, "total_tokens": 1}}
    stream = [StreamEvent("image_generation.completed", bad, 0.1)]
    outcome = judge("usage_arithmetic", make_exchange(params={**GPT_2, "stream": True}, body=b"", events=stream))
    assert [failure.path for failure in outcome.failures] == ["$.events[0].usage.total_tokens"]


@pytest.mark.parametrize(
    ("params", "data", "failures"),
    [
        ({"frame_count": 3, "frame_duration_ms": 120}, gif(3, 120), []),
        ({}, gif(9, 200), []),
        ({"frame_count": 3, "frame_duration_ms": 125}, gif(3, 130), []),
        ({"frame_count": 3, "frame_duration_ms": 125}, gif(3, 120), []),
        ({"frame_count": 4}, gif(3, 200), ["expected 4 frames, got 3"]),
        ({"frame_duration_ms": 500}, gif(9, 200), ["expected every frame to last 500 ms, got [200]"]),
    ],
)
def test_gif_frames(judge: Callable, make_exchange: Callable, images_body: Callable, params: dict, data: bytes,
                    failures: list[str]) -> None:
    asked = {"model": "gpt-image-2.5-flare", "prompt": "x", "output_format": "gif", "size": "32x32", **params}
    exchange = make_exchange(params=asked, body=images_body(data), as_of=None)
    assert reasons(judge("gif_frames", exchange)) == failures
    assert reasons(judge("image_decodes", exchange)) == []


@pytest.mark.parametrize(
    ("size", "data", "failures"),
    [
        ("256x256", svg(256, 256), []),
        ("256x256", svg(None, None, "0 0 256 256"), []),
        ("256x256", svg(512, 256), ["expected an SVG of 256x256, got 512x256"]),
        ("auto", svg(1536, 864), []),
        ("256x256", b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>", None),
        ("256x256", b"<?xml version='1.0'?><html/>", ["expected an SVG document, got the root element is 'html', not svg"]),
    ],
)
def test_svg_document(judge: Callable, make_exchange: Callable, images_body: Callable, size: str, data: bytes,
                      failures: list[str] | None) -> None:
    asked = {"model": "gpt-image-2.5-flare", "prompt": "x", "output_format": "svg", "size": size}
    got = reasons(judge("svg_document", make_exchange(params=asked, body=images_body(data), as_of=None)))
    if failures is None:
        assert len(got) == 1 and got[0].startswith("expected an SVG document, got not well-formed XML")
    else:
        assert got == failures


@pytest.mark.parametrize(
    ("params", "size", "failure"),
    [
        ({"model": "flux-pro", "size": "auto"}, (96, 64), None),
        ({"model": "gpt-image-2", "size": "auto"}, (96, 64), None),
        ({"model": "gpt-image-2", "size": "auto"}, (100, 64), "expected a size gpt-image-2 allows for auto, got 100x64"),
        ({"model": "gpt-image-2", "size": "96x64"}, (96, 64), None),
        ({"model": "gpt-image-2", "size": "96x64"}, (64, 96), "expected 96x64, got 64x96"),
        ({"model": "gpt-image-1.5", "size": "auto"}, (96, 64), "expected 1024x1024 or 1536x1024 or 1024x1536, got 96x64"),
    ],
)
def test_image_decodes_judges_auto_by_the_models_rules(judge: Callable, make_exchange: Callable, images_body: Callable,
                                                      make_image: Callable, params: dict, size: tuple, failure: str | None) -> None:
    """An unknown model's `auto` is not judged (a correct answer never fails); a known one's by its rules."""
    exchange = make_exchange(params={"prompt": "x", **params}, body=images_body(make_image(size=size)), as_of=None)
    assert reasons(judge("image_decodes", exchange)) == ([failure] if failure else [])


def test_a_retirement_is_any_4xx_envelope_naming_the_model(judge: Callable, make_exchange: Callable) -> None:
    envelope = {"error": {"message": "The model `dall-e-2` has been deprecated", "type": "invalid_request_error",
                          "param": None, "code": "model_not_found"}}
    expect = {"retired": "dall-e-2"}
    exchange = make_exchange(params={"model": "dall-e-2", "prompt": "x"}, body=envelope, status=404, expect=expect)
    assert judge("status_code", exchange).passed and judge("retirement_named", exchange).passed
    elsewhere = make_exchange(params={"model": "dall-e-2", "prompt": "x"}, body=envelope, status=400, expect=expect)
    assert judge("status_code", elsewhere).passed
    served = make_exchange(params={"model": "dall-e-2", "prompt": "x"}, body={"created": 1, "data": []}, expect=expect)
    assert reasons(judge("status_code", served)) == ["expected a 4xx client error, got 200"]
    assert reasons(judge("retirement_named", served)) == ["expected an error message naming dall-e-2, got no error envelope"]
    other = {"error": {**envelope["error"], "message": "Invalid model"}}
    unnamed = make_exchange(params={"model": "dall-e-2", "prompt": "x"}, body=other, status=400, expect=expect)
    assert reasons(judge("retirement_named", unnamed)) == ['expected an error message naming dall-e-2, got string "Invalid model"']
