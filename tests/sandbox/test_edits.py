"""Edits through the SDK: the mask (or the image's own transparency) decides what changes."""

from __future__ import annotations

import functools

import openai
import pytest
from PIL import Image, ImageChops
from sandbox_helpers import b64_image, encode, fetched, make_png, opened

from imagecontract import rules

HOLE = (64, 64, 192, 160)


def assert_edited_only_inside(original: Image.Image, edited: Image.Image, box: tuple[int, int, int, int]) -> None:
    """Outside `box` every pixel is the original's; inside, every pixel differs and is opaque."""
    original, edited = original.convert("RGBA"), edited.convert("RGBA")
    outside = Image.new("L", original.size, 255)
    outside.paste(0, box)
    blank = Image.new("RGBA", original.size)
    assert Image.composite(original, blank, outside).tobytes() == Image.composite(edited, blank, outside).tobytes()
    difference = ImageChops.difference(original.crop(box), edited.crop(box)).split()
    per_pixel = functools.reduce(ImageChops.lighter, difference)
    assert per_pixel.getextrema()[0] > 0, "some pixel inside the edit region is unchanged"
    assert edited.crop(box).getchannel("A").getextrema() == (255, 255)


def test_dall_e_2_edit_with_mask_changes_only_the_masked_area(client: openai.OpenAI) -> None:
    image = make_png()
    mask = make_png(hole=HOLE)
    result = client.images.edit(
        image=("in.png", image, "image/png"), mask=("mask.png", mask, "image/png"), prompt="add a hat", size="256x256"
    )
    edited = fetched(result.data[0].url)
    assert (edited.format, edited.size) == ("PNG", (256, 256))
    assert_edited_only_inside(opened(image), edited, HOLE)


def test_edit_without_mask_uses_the_images_own_transparency(client: openai.OpenAI) -> None:
    image = make_png(colour=(20, 120, 220), hole=HOLE)
    result = client.images.edit(
        image=("in.png", image, "image/png"), prompt="fill the gap", size="256x256", response_format="b64_json"
    )
    assert_edited_only_inside(opened(image), b64_image(result.data[0].b64_json), HOLE)


def test_an_opaque_gpt_image_without_mask_is_regenerated_whole(client: openai.OpenAI) -> None:
    image = encode(Image.new("RGB", (1024, 1024), (90, 90, 90)), "JPEG")
    result = client.images.edit(model="gpt-image-1", image=("in.jpg", image, "image/jpeg"), prompt="a bright scene")
    assert_edited_only_inside(opened(image), b64_image(result.data[0].b64_json), (0, 0, 1024, 1024))


def test_edits_are_deterministic_and_depend_on_the_input_bytes(client: openai.OpenAI) -> None:
    def edit(colour: tuple[int, int, int]) -> str | None:
        image = make_png(colour=colour, hole=HOLE)
        return client.images.edit(
            image=("in.png", image, "image/png"), prompt="p", size="256x256", response_format="b64_json"
        ).data[0].b64_json

    assert edit((1, 2, 3)) == edit((1, 2, 3)) != edit((3, 2, 1))


def test_image_list_defaults_to_gpt_image_and_counts_every_input(client: openai.OpenAI) -> None:
    images = [(f"in{i}.png", make_png(size=(300, 200), colour=(i * 40, 80, 80)), "image/png") for i in range(3)]
    result = client.images.edit(image=images, prompt="a gift basket of these items", size="1024x1024")
    assert result.usage is not None
    assert result.usage.input_tokens_details.image_tokens == 3 * rules.INPUT_IMAGE_TOKENS
    image = b64_image(result.data[0].b64_json)
    assert (image.format, image.size) == ("PNG", (1024, 1024))


def test_gpt_image_edit_with_mask_and_webp_output(today_client: openai.OpenAI) -> None:
    image = make_png(size=(1024, 1536), colour=(10, 200, 10))
    mask = make_png(size=(1024, 1536), hole=(100, 100, 500, 700))
    result = today_client.images.edit(
        model="gpt-image-1.5",
        image=[("in.png", image, "image/png")],
        mask=("mask.png", mask, "image/png"),
        prompt="a pond",
        size="1024x1536",
        output_format="webp",
        quality="high",
    )
    edited = b64_image(result.data[0].b64_json)
    assert (edited.format, edited.size) == ("WEBP", (1024, 1536))
    assert result.usage is not None and result.usage.output_tokens == rules.OUTPUT_TOKENS[("high", "1024x1536")]


@pytest.mark.parametrize("n", [1, 3])
def test_edit_n_images(client: openai.OpenAI, n: int) -> None:
    result = client.images.edit(
        image=("in.png", make_png(hole=HOLE), "image/png"), prompt="p", n=n, size="512x512", response_format="b64_json"
    )
    assert [b64_image(item.b64_json).size for item in result.data] == [(512, 512)] * n


def test_a_gpt_image_edit_asking_for_a_transparent_background_repaints_on_one(today_client: openai.OpenAI) -> None:
    """Today's API: the edits endpoint takes `background` (the seed era's did not)."""
    client = today_client
    image = make_png(size=(1024, 1024), colour=(10, 200, 10))
    mask = make_png(size=(1024, 1024), hole=(100, 100, 500, 700))
    result = client.images.edit(model="gpt-image-1.5", image=("in.png", image, "image/png"),
                                mask=("mask.png", mask, "image/png"), prompt="a pond", background="transparent")
    edited = b64_image(result.data[0].b64_json).convert("RGBA")
    assert edited.crop((100, 100, 500, 700)).getchannel("A").getextrema()[0] == 0, "no transparent pixel in the edit"
    assert edited.crop((600, 0, 1024, 1024)).getchannel("A").getextrema() == (255, 255)
    opaque = client.images.edit(model="gpt-image-1.5", image=("in.png", image, "image/png"),
                                mask=("mask.png", mask, "image/png"), prompt="a pond")
    assert b64_image(opaque.data[0].b64_json).convert("RGBA").getchannel("A").getextrema() == (255, 255)
