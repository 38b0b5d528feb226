"""The images themselves: how many, whether they decode, their format, size, transparency and edits."""

from __future__ import annotations

from typing import Any, Callable

from imagecontract.checks.conditions import all_of, expects, is_image_answer
from imagecontract.checks.registry import ADVISORY, CheckContext, check
from imagecontract.checks.requested import Requested
from imagecontract.exchange import Exchange, Failure
from imagecontract.images import ImageInfo, inspect_image, returned_images, unchanged_outside_mask
from imagecontract.jsonpath import show
from imagecontract.rules import MASK_EXACT_FAMILIES
from imagecontract.structure import structure_similarity

IMAGE_EXPECTATIONS: dict[str, Callable[[ImageInfo], Any]] = {
    "format": lambda info: info.format,
    "size": lambda info: info.size,
    "alpha": lambda info: info.has_alpha,
}
"""`expect.images` keys judged per image, and what each reads from the image."""


def _count(number: int) -> str:
    return f"{number} image" if number == 1 else f"{number} images"


@check(applies=is_image_answer)
def image_count(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """As many images came back as `n` asked for (1 unless stated)."""
    expected, actual = Requested.of(exchange).n, len(returned_images(exchange))
    if actual == expected:
        return []
    return [Failure("image_count", f"expected {_count(expected)}, got {actual}", "$.data")]


@check(applies=is_image_answer)
def image_decodes(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """Every image decodes, in the requested output format and at the requested size."""
    requested = Requested.of(exchange)
    fmt, sizes = requested.output_format, requested.sizes
    failures = []
    for image in returned_images(exchange):
        if image.info is None:
            failures.append(Failure("image_decodes", str(image.error), image.path))
            continue
        if fmt is not None and image.info.format != fmt:
            failures.append(Failure("image_decodes", f"expected a {fmt} image, got {image.info.format}", image.path))
        if sizes is not None and image.info.size not in sizes:
            expected = " or ".join(sizes)
            failures.append(Failure("image_decodes", f"expected {expected}, got {image.info.size}", image.path))
    return failures


def _asks_transparent(exchange: Exchange) -> bool:
    return exchange.request.params.get("background") == "transparent"


@check(applies=all_of(is_image_answer, _asks_transparent))
def transparent_background(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """With `background: transparent`, every image has an alpha channel and some transparent pixels."""
    failures = []
    for image in returned_images(exchange):
        if image.info is None:
            continue
        if not image.info.has_alpha:
            reason = f"expected an alpha channel, got mode {image.info.mode} without one"
        elif not image.info.transparent_pixels:
            reason = "expected some fully transparent pixels, got none"
        else:
            continue
        failures.append(Failure("transparent_background", reason, image.path))
    return failures


def _edit_inputs(exchange: Exchange) -> tuple[bytes, bytes | None] | None:
    """The edited image and its mask as uploaded, when the result can be judged against them.

    That needs an image that decodes, and an editable area: a mask, or the image's own transparency."""
    request = exchange.request
    images = request.files_named("image") or request.files_named("image[]")
    masks = request.files_named("mask")
    if not images:
        return None
    original, mask = images[0].data, masks[0].data if masks else None
    try:
        info = inspect_image(original)
        if mask is not None:
            inspect_image(mask)
    except ValueError:
        return None
    return (original, mask) if mask is not None or info.transparent_pixels else None


def _is_exact_edit(exchange: Exchange) -> bool:
    """An answered edit by a model that keeps the unmasked pixels, with inputs to compare against."""
    rules = Requested.of(exchange).rules
    return (
        is_image_answer(exchange)
        and exchange.request.endpoint == "edits"
        and rules is not None
        and rules.family in MASK_EXACT_FAMILIES
        and _edit_inputs(exchange) is not None
    )


@check(applies=_is_exact_edit)
def edit_preserves_unmasked(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """An edit keeps the pixels outside the editable area and changes some inside it."""
    inputs = _edit_inputs(exchange)
    if inputs is None:
        return []
    original, mask = inputs
    failures = []
    for image in returned_images(exchange):
        if image.data is None or image.info is None:
            continue
        compared = unchanged_outside_mask(
            original, mask, image.data, context.edit_tolerance, context.edit_allowed_fraction
        )
        if not compared.ok:
            reason = (
                f"expected the pixels outside the editable area unchanged (at most "
                f"{context.edit_allowed_fraction:.2%} moving more than {context.edit_tolerance}), "
                f"got {compared.fraction_changed:.2%} changed"
            )
            failures.append(Failure("edit_preserves_unmasked", reason, image.path))
        if not compared.inside_changed:
            reason = "expected the editable area to change, got it identical to the input"
            failures.append(Failure("edit_preserves_unmasked", reason, image.path))
    return failures


def _variation_input(exchange: Exchange) -> bytes | None:
    """The image a variation was asked of, when it decodes."""
    uploads = exchange.request.files_named("image")
    if exchange.request.endpoint != "variations" or not uploads:
        return None
    try:
        inspect_image(uploads[0].data)
    except ValueError:
        return None
    return uploads[0].data


@check(applies=all_of(is_image_answer, lambda exchange: _variation_input(exchange) is not None), severity=ADVISORY)
def variation_resembles_input(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """A variation keeps its input's structure (edges), whatever its palette: a heuristic, so advisory."""
    source = _variation_input(exchange)
    if source is None:
        return []
    least = context.variation_min_structure
    failures = []
    for image in returned_images(exchange):
        if image.data is None or image.info is None:
            continue
        alike = structure_similarity(source, image.data)
        if alike < least:
            reason = (
                f"expected a variation keeping the input's edges (correlation of 32x32 edge maps at least {least:.2f}), "
                f"got {alike:.2f}: the input looks ignored"
            )
            failures.append(Failure("variation_resembles_input", reason, image.path))
    return failures


@check(applies=expects("images"))
def expected_images(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """The images match `expect.images`: count, format, size and alpha."""
    expected = exchange.expect["images"] or {}
    images = returned_images(exchange)
    failures = []
    if "count" in expected and len(images) != expected["count"]:
        reason = f"expected {_count(expected['count'])}, got {len(images)}"
        failures.append(Failure("expected_images", reason, "$.data"))
    judged = {key: want for key, want in expected.items() if key in IMAGE_EXPECTATIONS}
    for image in images:
        if image.info is None:
            if judged:
                reason = f"expected a readable image, got: {image.error}"
                failures.append(Failure("expected_images", reason, image.path))
            continue
        for key, want in judged.items():
            actual = IMAGE_EXPECTATIONS[key](image.info)
            if actual != want:
                reason = f"expected {key} {show(want)}, got {show(actual)}"
                failures.append(Failure("expected_images", reason, image.path))
    return failures
