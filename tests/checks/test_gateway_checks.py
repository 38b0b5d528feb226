"""input_images_used and variation_resembles_input: inputs a gateway may silently drop."""

from __future__ import annotations

import io
from typing import Callable

from PIL import Image, ImageOps

from imagecontract.checks import ADVISORY, CheckContext, CheckOutcome, run_checks
from imagecontract.exchange import Exchange
from imagecontract.schemas import SchemaStore, default_schemas_dir
from imagecontract.rules import INPUT_IMAGE_TOKENS, MIN_INPUT_IMAGE_TOKENS

Judge = Callable[[str, Exchange], CheckOutcome]


def usage_with(image_tokens: int) -> dict:
    return {"total_tokens": 999, "input_tokens": 100 + image_tokens, "output_tokens": 272,
            "input_tokens_details": {"text_tokens": 100, "image_tokens": image_tokens}}


def gpt_edit(make_exchange, upload, make_image, inputs: int, image_tokens: int, side: int = 64) -> Exchange:
    files = [upload("image[]", make_image(size=(side, side))) for _ in range(inputs)]
    body = {"created": 1, "data": [{"b64_json": "aGk="}], "usage": usage_with(image_tokens)}
    return make_exchange("edits", params={"model": "gpt-image-1", "prompt": "p"}, body=body, files=files)


def test_image_tokens_for_every_input_pass(judge: Judge, make_exchange, upload, make_image) -> None:
    outcome = judge("input_images_used", gpt_edit(make_exchange, upload, make_image, 4, 4 * INPUT_IMAGE_TOKENS))
    assert outcome.applicable and outcome.passed


def test_image_tokens_for_one_of_four_inputs_fail(judge: Judge, make_exchange, upload, make_image) -> None:
    outcome = judge("input_images_used", gpt_edit(make_exchange, upload, make_image, 4, INPUT_IMAGE_TOKENS))
    (failure,) = outcome.failures
    assert failure.path == "$.usage.input_tokens_details.image_tokens"
    assert f"at least {4 * MIN_INPUT_IMAGE_TOKENS} image tokens for 4 input images" in failure.reason


def test_one_image_of_four_fails_against_this_targets_one_image_edit_where_the_floor_passes(
    make_exchange, upload, make_image
) -> None:
    """An upstream billing 323 tokens per image: one forwarded of four is 323, over the fixed floor of 4 x 65."""
    context = CheckContext(SchemaStore(default_schemas_dir()))
    (single,) = run_checks(gpt_edit(make_exchange, upload, make_image, 1, 323), context, select=["input_images_used"])
    assert single.passed
    (dropped,) = run_checks(gpt_edit(make_exchange, upload, make_image, 4, 323), context, select=["input_images_used"])
    (failure,) = dropped.failures
    assert ("expected about 1292 image tokens for 4 input images of 64x64 (323 each, as this target billed a one-image "
            "edit of that size), got 323, about 1.0 images' worth: not every input image was used") == failure.reason
    (honest,) = run_checks(gpt_edit(make_exchange, upload, make_image, 4, 1292), context, select=["input_images_used"])
    assert honest.passed


def test_a_one_image_edit_of_another_size_is_no_baseline(make_exchange, upload, make_image) -> None:
    """The API bills an input by its size: four small inputs are judged by the floor, not by one large input's tokens."""
    context = CheckContext(SchemaStore(default_schemas_dir()))
    run_checks(gpt_edit(make_exchange, upload, make_image, 1, 765, side=128), context, select=["input_images_used"])
    (outcome,) = run_checks(gpt_edit(make_exchange, upload, make_image, 2, 510), context, select=["input_images_used"])
    assert outcome.passed


def test_input_images_used_needs_a_billed_edit(judge: Judge, make_exchange, upload, make_image) -> None:
    generation = make_exchange(params={"model": "gpt-image-1"}, body={"created": 1, "data": [], "usage": usage_with(0)})
    assert not judge("input_images_used", generation).applicable
    no_usage = make_exchange("edits", params={"model": "gpt-image-1"}, body={"created": 1, "data": []},
                             files=[upload("image[]", make_image())])
    assert not judge("input_images_used", no_usage).applicable


def picture(flip: bool = False, tint: tuple[int, int, int] | None = None) -> bytes:
    """A two-colour picture (left red, right blue), optionally mirrored or blended with a tint."""
    image = Image.new("RGB", (64, 64), (220, 30, 30))
    image.paste((30, 30, 220), (32, 0, 64, 64))
    if flip:
        image = ImageOps.mirror(image)
    if tint is not None:
        image = Image.blend(image, Image.new("RGB", image.size, tint), 0.25)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def variation(make_exchange, upload, images_body, source: bytes, *results: bytes) -> Exchange:
    return make_exchange("variations", params={"size": "64x64"}, body=images_body(*results),
                         files=[upload("image", source)])


def test_a_variation_like_its_input_passes(judge: Judge, make_exchange, upload, images_body) -> None:
    results = (picture(), picture(flip=True), picture(tint=(250, 250, 0)))
    outcome = judge("variation_resembles_input", variation(make_exchange, upload, images_body, picture(), *results))
    assert outcome.applicable and outcome.passed


def test_a_variation_with_another_palette_but_the_same_structure_passes(
    judge: Judge, make_exchange, upload, images_body
) -> None:
    """Inverted colours, swapped channels: the edges are where they were, so it is a variation of the input."""
    source = Image.open(io.BytesIO(picture()))
    red, green, blue = source.split()
    recoloured = [ImageOps.invert(source), Image.merge("RGB", (blue, red, green)), ImageOps.mirror(ImageOps.invert(source))]
    results = []
    for image in recoloured:
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        results.append(buffer.getvalue())
    outcome = judge("variation_resembles_input", variation(make_exchange, upload, images_body, picture(), *results))
    assert outcome.applicable and outcome.passed


def test_a_variation_unlike_its_input_fails(judge: Judge, make_exchange, upload, images_body, make_image) -> None:
    unrelated = make_image(color=(20, 200, 20))
    outcome = judge("variation_resembles_input", variation(make_exchange, upload, images_body, picture(), picture(), unrelated))
    (failure,) = outcome.failures
    assert failure.path == "$.data[1].b64_json"
    assert "got 0.00: the input looks ignored" in failure.reason
    assert outcome.severity == ADVISORY and not outcome.fails_test() and outcome.fails_test(strict=True)


def test_variation_check_needs_a_decodable_input(judge: Judge, make_exchange, upload, images_body) -> None:
    exchange = variation(make_exchange, upload, images_body, b"not an image", picture())
    assert not judge("variation_resembles_input", exchange).applicable


def test_the_edge_correlation_is_pearsons_and_a_flat_map_correlates_with_nothing() -> None:
    """Maps are normalised once per picture and then only multiplied; the result stays Pearson's r."""
    import random
    import statistics

    from imagecontract.structure import correlation, normalised

    generator = random.Random(7)
    first = [generator.uniform(0, 400) for _ in range(1024)]
    second = [value * 0.5 + generator.uniform(0, 200) for value in first]
    assert abs(correlation(normalised(first), normalised(second)) - statistics.correlation(first, second)) < 1e-9
    assert correlation(normalised([3.0] * 1024), normalised(second)) == 0.0
