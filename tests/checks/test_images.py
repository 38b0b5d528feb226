"""Decoding, describing and comparing images."""

from __future__ import annotations

import base64
import io
from typing import Any, Callable

import pytest
from PIL import Image, ImageDraw

from imagecontract.exchange import Exchange, StreamEvent
from imagecontract.images import (
    ImageInfo,
    describe,
    human_size,
    inspect_image,
    returned_images,
    unchanged_outside_mask,
)

MakeImage = Callable[..., bytes]


def test_inspect_reads_format_size_and_transparency(make_image: MakeImage) -> None:
    assert inspect_image(make_image((32, 16))) == ImageInfo("png", 32, 16, "RGB", False, False)
    clear = inspect_image(make_image(mode="RGBA", color=(1, 2, 3, 255), clear=(0, 0, 4, 4)))
    assert (clear.has_alpha, clear.transparent_pixels) == (True, True)
    opaque = inspect_image(make_image(mode="RGBA", color=(1, 2, 3, 255)))
    assert (opaque.has_alpha, opaque.transparent_pixels) == (True, False)
    assert inspect_image(make_image(fmt="JPEG")).format == "jpeg"
    assert inspect_image(make_image(fmt="WEBP")).format == "webp"


@pytest.mark.parametrize("data", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\0" * 20])
def test_inspect_rejects_what_does_not_decode(data: bytes) -> None:
    with pytest.raises(ValueError, match=r"not a decodable image \(\d+ B, starts [0-9a-f]*\)"):
        inspect_image(data)


def test_truncated_image_does_not_decode(make_image: MakeImage) -> None:
    data = make_image((256, 256), fmt="JPEG")
    with pytest.raises(ValueError, match="not a decodable image"):
        inspect_image(data[: len(data) // 2])


def test_describe(make_image: MakeImage) -> None:
    data = make_image((1024, 1024))
    assert describe(data) == f"<png 1024x1024, {human_size(len(data))}>"
    assert describe(b"junk") == "<undecodable, 4 B>"


@pytest.mark.parametrize("count, text", [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KB"), (1258291, "1.2 MB")])
def test_human_size(count: int, text: str) -> None:
    assert human_size(count) == text


def test_returned_images_from_b64_and_urls(make_image: MakeImage, make_exchange: Callable[..., Exchange]) -> None:
    png = make_image()
    body = {"created": 1, "data": [
        {"b64_json": base64.b64encode(png).decode()},
        {"url": "http://127.0.0.1:9/a.png"},
        {"url": "http://127.0.0.1:9/missing.png"},
        {"b64_json": "@@not base64@@"},
        {"b64_json": base64.b64encode(b"junk").decode()},
        {"revised_prompt": "nothing else"},
        "not an object",
    ]}
    exchange = make_exchange(body=body, downloads={"http://127.0.0.1:9/a.png": png})
    images = returned_images(exchange)
    assert [(image.index, image.source, image.path) for image in images] == [
        (0, "b64_json", "$.data[0].b64_json"),
        (1, "url", "$.data[1].url"),
        (2, "url", "$.data[2].url"),
        (3, "b64_json", "$.data[3].b64_json"),
        (4, "b64_json", "$.data[4].b64_json"),
        (5, "b64_json", "$.data[5]"),
        (6, "b64_json", "$.data[6]"),
    ]
    assert [image.info.size if image.info else None for image in images[:2]] == ["64x64", "64x64"]
    assert images[0].data == png and images[0].error is None
    assert images[2].error == "the url was not downloaded" and images[2].data is None
    assert images[3].error.startswith("b64_json is not valid base64")
    assert images[4].data == b"junk" and "not a decodable image" in images[4].error
    assert images[5].error == images[6].error == "neither b64_json nor url is a string"


def test_returned_images_are_decoded_once_per_exchange(
    make_image: MakeImage, make_exchange: Callable[..., Exchange], images_body: Callable[..., dict[str, Any]]
) -> None:
    exchange = make_exchange(body=images_body(make_image()))
    assert returned_images(exchange) is returned_images(exchange)
    other = make_exchange(body=images_body(make_image(), make_image()))
    assert len(returned_images(other)) == 2


def test_returned_images_of_a_stream_are_its_completed_events(
    make_image: MakeImage, make_exchange: Callable[..., Exchange]
) -> None:
    png = base64.b64encode(make_image()).decode()
    events = [
        StreamEvent("image_generation.partial_image", {"type": "image_generation.partial_image", "b64_json": png}, 0.5),
        StreamEvent("image_generation.completed", {"type": "image_generation.completed", "b64_json": png}, 1.0),
    ]
    (image,) = returned_images(make_exchange(body=b"event: ...", events=events))
    assert (image.index, image.path, image.info.format) == (0, "$.events[1].b64_json", "png")


def test_non_json_body_has_no_images(make_exchange: Callable[..., Exchange]) -> None:
    assert returned_images(make_exchange(body=b"<html>")) == []


class TestUnchangedOutsideMask:
    SIZE = (64, 64)
    HOLE = (16, 16, 48, 48)

    def result(self, inside: tuple[int, int, int], outside: tuple[int, int, int],
               size: tuple[int, int] = SIZE) -> bytes:
        """A result of `size` whose hole (scaled) is `inside` and the rest `outside`."""
        image = Image.new("RGB", size, outside)
        scale = size[0] // self.SIZE[0]
        image.paste(inside, tuple(edge * scale for edge in self.HOLE))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()

    def test_mask_edit_that_keeps_the_frame(self, make_image: MakeImage) -> None:
        original = make_image(self.SIZE, color=(10, 20, 30))
        mask = make_image(self.SIZE, mode="RGBA", color=(0, 0, 0, 255), clear=self.HOLE)
        result = self.result(inside=(250, 250, 0), outside=(12, 22, 28))
        assert unchanged_outside_mask(original, mask, result, tolerance=8) == (True, 0.0, True)

    def test_edit_that_changed_the_frame(self, make_image: MakeImage) -> None:
        original = make_image(self.SIZE, color=(10, 20, 30))
        mask = make_image(self.SIZE, mode="RGBA", color=(0, 0, 0, 255), clear=self.HOLE)
        result = self.result(inside=(250, 250, 0), outside=(90, 20, 30))
        ok, fraction, inside_changed = unchanged_outside_mask(original, mask, result, tolerance=8)
        assert (ok, inside_changed) == (False, True)
        assert fraction == pytest.approx(1.0)

    def test_edit_that_changed_nothing_inside(self, make_image: MakeImage) -> None:
        original = make_image(self.SIZE, color=(10, 20, 30))
        mask = make_image(self.SIZE, mode="RGBA", color=(0, 0, 0, 255), clear=self.HOLE)
        assert unchanged_outside_mask(original, mask, original, tolerance=0) == (True, 0.0, False)

    def test_without_mask_the_images_own_transparency_is_editable(self, make_image: MakeImage) -> None:
        original = make_image(self.SIZE, mode="RGBA", color=(10, 20, 30, 255), clear=self.HOLE)
        result = self.result(inside=(250, 250, 0), outside=(10, 20, 30))
        assert unchanged_outside_mask(original, None, result, tolerance=0) == (True, 0.0, True)

    def test_compares_at_the_results_size(self, make_image: MakeImage) -> None:
        original = make_image(self.SIZE, color=(10, 20, 30))
        mask = make_image(self.SIZE, mode="RGBA", color=(0, 0, 0, 255), clear=self.HOLE)
        result = self.result(inside=(250, 250, 0), outside=(10, 20, 30), size=(256, 256))
        assert unchanged_outside_mask(original, mask, result, tolerance=8) == (True, 0.0, True)

    @pytest.mark.parametrize("method", ["NEAREST", "BOX", "BILINEAR", "LANCZOS"])
    def test_an_answer_smaller_than_its_upload_passes_whatever_filter_resized_it(self, method: str) -> None:
        """Flat shapes with sharp edges (as the sandbox and most pictures have), 1024 px in, 256 px out."""
        original = Image.new("RGB", (1024, 1024), (200, 40, 40))
        draw = ImageDraw.Draw(original)
        for index in range(12):
            draw.ellipse([37 * index, 23 * index + 5, 37 * index + 301, 23 * index + 211], fill=(19 * index, 240, 99))
        mask = Image.new("RGBA", (1024, 1024), (0, 0, 0, 255))
        mask.paste((0, 0, 0, 0), (256, 256, 768, 768))
        answer = original.resize((256, 256), getattr(Image.Resampling, method))
        answer.paste((250, 250, 0), (64, 64, 192, 192))
        ok, fraction, inside_changed = unchanged_outside_mask(_png(original), _png(mask), _png(answer), tolerance=8,
                                                              allowed_fraction=0.001)
        assert ok and inside_changed, fraction
        ignored_mask = answer.copy()
        ignored_mask.paste((250, 250, 0), (0, 0, 256, 128))
        assert not unchanged_outside_mask(_png(original), _png(mask), _png(ignored_mask), tolerance=8,
                                          allowed_fraction=0.001).ok

    def test_allowed_fraction(self, make_image: MakeImage) -> None:
        original = make_image(self.SIZE, mode="RGBA", color=(10, 20, 30, 255), clear=(0, 0, 32, 64))
        result = self.result(inside=(250, 250, 0), outside=(10, 20, 30))
        ok, fraction, _ = unchanged_outside_mask(original, None, result, tolerance=0, allowed_fraction=0.5)
        assert ok and 0 < fraction <= 0.5

    def test_judges_full_size_images(self, make_image: MakeImage) -> None:
        """At the API's own size (its speed is a benchmark's business, not a test's)."""
        size = (1024, 1024)
        original = make_image(size, color=(10, 20, 30))
        mask = make_image(size, mode="RGBA", color=(0, 0, 0, 255), clear=(256, 256, 768, 768))
        ok, fraction, _ = unchanged_outside_mask(original, mask, make_image(size, color=(10, 20, 30)), tolerance=8)
        assert ok and fraction == 0
        repainted = make_image(size, color=(200, 20, 30))
        assert not unchanged_outside_mask(original, mask, repainted, tolerance=8).ok


def test_decoded_images_are_kept_within_their_byte_budget(make_image: MakeImage, monkeypatch: pytest.MonkeyPatch) -> None:
    from imagecontract import images

    opened: list[bytes] = []
    real_open = images._open
    monkeypatch.setattr(images, "_open", lambda data: opened.append(data) or real_open(data))
    monkeypatch.setattr(images, "_DECODED", images._DecodedCache())
    monkeypatch.setattr(images, "DECODED_CACHE_BYTES", 2 * 64 * 64 * 3)
    first, second, third = (make_image(color=(index, 9, 9)) for index in (1, 2, 3))
    for data in (first, second, first, third, first, second):
        assert images.decoded(data).info.size == "64x64"
    assert opened == [first, second, third, second], "two previews fit: the least recently used one goes"
    with pytest.raises(ValueError, match="not a decodable image"):
        images.decoded(b"nope")
    with pytest.raises(ValueError, match="not a decodable image"):
        images.decoded(b"nope")


def test_an_edit_input_is_decoded_once_for_every_result_compared_with_it(
    make_image: MakeImage, monkeypatch: pytest.MonkeyPatch
) -> None:
    from imagecontract import images

    opened: list[bytes] = []
    real_open = images._open
    monkeypatch.setattr(images, "_open", lambda data: opened.append(data) or real_open(data))
    original = make_image(color=(5, 6, 7))
    mask = make_image(mode="RGBA", color=(0, 0, 0, 255), clear=(16, 16, 48, 48))
    results = [make_image(color=(5, 6, 9)), make_image(color=(250, 6, 7))]
    compared = [images.unchanged_outside_mask(original, mask, result, tolerance=8).ok for result in results]
    assert compared == [True, False]
    assert opened.count(original) == 1 and opened.count(mask) == 1
    assert [data for data in opened if data in results] == results


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
