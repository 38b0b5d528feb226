"""Variations through the SDK: derived from the input image, dall-e-2 only."""

from __future__ import annotations

import openai
import pytest
from PIL import Image
from sandbox_helpers import b64_image, encode, fetched

from imagecontract import rules

pytestmark = pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")


def half_and_half(size: int = 256) -> bytes:
    """Red on the left, blue on the right: a variation (mirrored) puts blue on the left."""
    image = Image.new("RGB", (size, size), (220, 20, 20))
    image.paste((20, 20, 220), (size // 2, 0, size, size))
    return encode(image, "PNG")


def bluish(pixel: tuple[int, ...]) -> bool:
    return pixel[2] > pixel[0] + 60


@pytest.mark.parametrize("size", rules.MODELS["dall-e-2"].sizes)
def test_variations_are_derived_from_the_input(client: openai.OpenAI, size: str) -> None:
    result = client.images.create_variation(image=("in.png", half_and_half(), "image/png"), n=2, size=size)
    width, height = rules.parse_size(size)
    for item in result.data:
        image = fetched(item.url).convert("RGB")
        assert image.size == (width, height)
        assert bluish(image.getpixel((2, height // 2)))
        assert not bluish(image.getpixel((width - 3, height // 2)))


def test_variations_differ_from_each_other_and_repeat_exactly(client: openai.OpenAI) -> None:
    def vary() -> list[str | None]:
        result = client.images.create_variation(
            image=("in.png", half_and_half(), "image/png"), n=2, size="256x256", response_format="b64_json"
        )
        return [item.b64_json for item in result.data]

    first = vary()
    assert first == vary()
    assert first[0] != first[1]
    assert b64_image(first[0]).format == "PNG"
