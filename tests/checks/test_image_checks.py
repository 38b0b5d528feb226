"""image_count, image_decodes, transparent_background, edit_preserves_unmasked and expected_images."""

from __future__ import annotations

import io
from typing import Any, Callable

import pytest
from PIL import Image

from imagecontract import images
from imagecontract.checks import CheckContext, CheckOutcome, run_checks
from imagecontract.exchange import Exchange, FilePart
from imagecontract.report import pictures

Judge = Callable[[str, Exchange], CheckOutcome]
MakeExchange = Callable[..., Exchange]
MakeImage = Callable[..., bytes]
ImagesBody = Callable[..., dict[str, Any]]

HOLE = (16, 16, 48, 48)


def reasons(outcome: CheckOutcome) -> list[tuple[str, str]]:
    return [(failure.path, failure.reason) for failure in outcome.failures]


def edited(frame: tuple[int, int, int]) -> bytes:
    """An edit result: the hole painted over, the rest `frame`."""
    image = Image.new("RGB", (64, 64), frame)
    image.paste((250, 200, 0), HOLE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_image_count(judge: Judge, make_exchange: MakeExchange, make_image: MakeImage, images_body: ImagesBody) -> None:
    png = make_image()
    assert judge("image_count", make_exchange(body=images_body(png))).passed
    assert judge("image_count", make_exchange(endpoint="variations", params={"n": 2}, body=images_body(png, png))).passed
    outcome = judge("image_count", make_exchange(params={"n": 3}, body=images_body(png)))
    assert reasons(outcome) == [("$.data", "expected 3 images, got 1")]
    assert reasons(judge("image_count", make_exchange(body={"created": 1}))) == [("$.data", "expected 1 image, got 0")]
    assert not judge("image_count", make_exchange(status=400, body={})).applicable


@pytest.mark.parametrize(
    "params, size, fmt",
    [
        ({}, (1024, 1024), "PNG"),
        ({"size": "256x256"}, (256, 256), "PNG"),
        ({"model": "dall-e-3", "size": "1792x1024"}, (1792, 1024), "PNG"),
        ({"model": "gpt-image-1"}, (1536, 1024), "PNG"),
        ({"model": "gpt-image-1", "size": "auto", "output_format": "jpeg"}, (1024, 1536), "JPEG"),
        ({"output_format": "webp", "size": "1024x1024"}, (1024, 1024), "WEBP"),
    ],
)
def test_image_decodes_in_the_requested_format_and_size(
    judge: Judge, make_exchange: MakeExchange, make_image: MakeImage, images_body: ImagesBody,
    params: dict, size: tuple[int, int], fmt: str,
) -> None:
    exchange = make_exchange(params=params, body=images_body(make_image(size, fmt=fmt)))
    assert judge("image_decodes", exchange).passed


def test_image_decodes_wrong_format_and_size(
    judge: Judge, make_exchange: MakeExchange, make_image: MakeImage, images_body: ImagesBody
) -> None:
    params = {"model": "gpt-image-1", "output_format": "jpeg", "size": "1024x1024"}
    outcome = judge("image_decodes", make_exchange(params=params, body=images_body(make_image((512, 512)))))
    assert reasons(outcome) == [
        ("$.data[0].b64_json", "expected a jpeg image, got png"),
        ("$.data[0].b64_json", "expected 1024x1024, got 512x512"),
    ]
    auto = judge("image_decodes", make_exchange(params={"model": "gpt-image-1"}, body=images_body(make_image((64, 64)))))
    assert reasons(auto) == [("$.data[0].b64_json", "expected 1024x1024 or 1536x1024 or 1024x1536, got 64x64")]


def test_image_decodes_urls_and_broken_images(judge: Judge, make_exchange: MakeExchange, make_image: MakeImage) -> None:
    url = "http://127.0.0.1:9/img.png"
    good = make_exchange(params={"size": "64x64"}, body={"created": 1, "data": [{"url": url}]},
                         downloads={url: make_image()})
    assert judge("image_decodes", good).passed
    body = {"created": 1, "data": [{"url": url}, {"b64_json": "aGVsbG8="}]}
    outcome = judge("image_decodes", make_exchange(body=body))
    assert [path for path, _ in reasons(outcome)] == ["$.data[0].url", "$.data[1].b64_json"]
    assert reasons(outcome)[0][1] == "the url was not downloaded"
    assert "not a decodable image" in reasons(outcome)[1][1]


def test_transparent_background(judge: Judge, make_exchange: MakeExchange, make_image: MakeImage, images_body: ImagesBody) -> None:
    params = {"model": "gpt-image-1", "background": "transparent"}
    clear = make_image(mode="RGBA", color=(9, 9, 9, 255), clear=HOLE)
    assert judge("transparent_background", make_exchange(params=params, body=images_body(clear))).passed
    opaque = make_image(mode="RGBA", color=(9, 9, 9, 255))
    flat = make_image()
    outcome = judge("transparent_background", make_exchange(params=params, body=images_body(opaque, flat)))
    assert reasons(outcome) == [
        ("$.data[0].b64_json", "expected some fully transparent pixels, got none"),
        ("$.data[1].b64_json", "expected an alpha channel, got mode RGB without one"),
    ]
    assert not judge("transparent_background", make_exchange(params={"model": "gpt-image-1"}, body=images_body(flat))).applicable


class TestEditPreservesUnmasked:
    @pytest.fixture
    def inputs(self, make_image: MakeImage, upload: Callable[[str, bytes], FilePart]) -> list[FilePart]:
        mask = make_image(mode="RGBA", color=(0, 0, 0, 255), clear=HOLE)
        return [upload("image", make_image(color=(10, 20, 30))), upload("mask", mask)]

    def test_kept_frame(self, judge: Judge, make_exchange: MakeExchange,
                        images_body: ImagesBody, inputs: list[FilePart]) -> None:
        body = images_body(edited((12, 21, 30)))
        assert judge("edit_preserves_unmasked", make_exchange(endpoint="edits", files=inputs, body=body)).passed

    def test_changed_frame_and_untouched_hole(self, judge: Judge, make_exchange: MakeExchange, make_image: MakeImage,
                                             images_body: ImagesBody, inputs: list[FilePart]) -> None:
        body = images_body(edited((200, 20, 30)), make_image(color=(10, 20, 30)))
        outcome = judge("edit_preserves_unmasked", make_exchange(endpoint="edits", files=inputs, body=body))
        assert reasons(outcome) == [
            ("$.data[0].b64_json", "expected the pixels outside the editable area unchanged (at most 0.10% moving "
                                   "more than 8), got 100.00% changed"),
            ("$.data[1].b64_json", "expected the editable area to change, got it identical to the input"),
        ]

    def test_own_transparency_without_mask(self, judge: Judge, make_exchange: MakeExchange, make_image: MakeImage,
                                           images_body: ImagesBody, upload: Callable[[str, bytes], FilePart]) -> None:
        original = make_image(mode="RGBA", color=(10, 20, 30, 255), clear=HOLE)
        exchange = make_exchange(endpoint="edits", files=[upload("image", original)],
                                 body=images_body(edited((10, 20, 30))))
        assert judge("edit_preserves_unmasked", exchange).passed

    def test_not_applicable(self, judge: Judge, make_exchange: MakeExchange, make_image: MakeImage,
                            images_body: ImagesBody, inputs: list[FilePart], upload: Callable[[str, bytes], FilePart]) -> None:
        body = images_body(make_image())
        cases = [
            make_exchange(endpoint="edits", params={"model": "gpt-image-1"}, files=inputs, body=body),
            make_exchange(endpoint="edits", files=[upload("image", make_image())], body=body),
            make_exchange(endpoint="edits", files=[upload("image", b"junk"), inputs[1]], body=body),
            make_exchange(endpoint="variations", files=inputs, body=body),
            make_exchange(endpoint="edits", files=inputs, status=400, body={}),
        ]
        assert [judge("edit_preserves_unmasked", exchange).applicable for exchange in cases] == [False] * len(cases)


def test_expected_images(judge: Judge, make_exchange: MakeExchange, make_image: MakeImage, images_body: ImagesBody) -> None:
    clear = make_image((512, 512), mode="RGBA", color=(1, 1, 1, 255), clear=HOLE)
    want = {"count": 1, "format": "png", "size": "512x512", "alpha": True}
    assert judge("expected_images", make_exchange(body=images_body(clear), expect={"images": want})).passed
    body = images_body(make_image((256, 256), fmt="JPEG"), make_image())
    body["data"].append({"b64_json": "aGk="})
    outcome = judge("expected_images", make_exchange(body=body, expect={"images": want}))
    assert reasons(outcome)[:5] == [
        ("$.data", "expected 1 image, got 3"),
        ("$.data[0].b64_json", 'expected format "png", got "jpeg"'),
        ("$.data[0].b64_json", 'expected size "512x512", got "256x256"'),
        ("$.data[0].b64_json", "expected alpha true, got false"),
        ("$.data[1].b64_json", 'expected size "512x512", got "64x64"'),
    ]
    assert reasons(outcome)[-1][1].startswith("expected a readable image, got: not a decodable image")
    assert not judge("expected_images", make_exchange(body=body)).applicable


def test_every_check_and_the_report_share_one_decode_per_image(
    context: CheckContext, make_exchange: MakeExchange, make_image: MakeImage, images_body: ImagesBody,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[int] = []
    real_open = images._open
    monkeypatch.setattr(images, "_open", lambda data: opened.append(len(data)) or real_open(data))
    monkeypatch.setattr(images, "_DECODED", images._DecodedCache())
    monkeypatch.setattr(pictures, "_PICTURES", {})
    first, second = make_image((48, 48), (10, 200, 30)), make_image((40, 40), (12, 198, 33))
    exchange = make_exchange(params={"n": 3}, body=images_body(first, second, first),
                             expect={"images": {"count": 3, "format": "png"}})
    outcomes = run_checks(exchange, context)
    applied = {outcome.name for outcome in outcomes if outcome.applicable}
    assert {"image_count", "image_decodes", "expected_images"} <= applied
    assert pictures.picture(first).width == 48 and pictures.picture(second).width == 40
    assert sorted(opened) == sorted([len(first), len(second)]), "one decode per distinct image"
