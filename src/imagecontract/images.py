"""Decoding and describing images with Pillow: what came back, and whether an edit kept its frame.

Returned images are decoded once per exchange and shared by every check and
by the report; a 1024x1024 PNG costs tens of milliseconds to decode.
"""

from __future__ import annotations

import base64
import io
import weakref
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from PIL import Image, ImageChops, ImageOps, ImageStat, UnidentifiedImageError

from imagecontract.exchange import Exchange
from imagecontract.jsonpath import format_path
from imagecontract.rules import MB

ImageSource = Literal["b64_json", "url"]

COMPLETED_EVENT_SUFFIX = ".completed"
"""Stream events whose `b64_json` is a final image (`image_generation.completed`, `image_edit.completed`)."""

_SIZE_UNITS = ((MB, "MB"), (1024, "KB"))


@dataclass(frozen=True)
class ImageInfo:
    """What an image file is: format (lower case, as in `output_format`), size and transparency."""

    format: str
    width: int
    height: int
    mode: str
    has_alpha: bool
    transparent_pixels: bool

    @property
    def size(self) -> str:
        """`"1024x1024"`, as the API spells sizes."""
        return f"{self.width}x{self.height}"


@dataclass(frozen=True)
class ReturnedImage:
    """One image of a response: where it came from, its bytes and what they are, or why not."""

    index: int
    source: ImageSource
    data: bytes | None
    info: ImageInfo | None
    error: str | None
    path: str = "$"


class EditComparison(NamedTuple):
    """How an edit result differs from its input: outside the editable area, and inside it."""

    ok: bool
    fraction_changed: float
    inside_changed: bool


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except UnidentifiedImageError:
        raise ValueError(f"not a decodable image ({human_size(len(data))}, starts {data[:8].hex()}): "
                         f"no image format recognised") from None
    except (Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
        raise ValueError(f"not a decodable image ({human_size(len(data))}, starts {data[:8].hex()}): {error}") from None
    return image


def inspect_image(data: bytes) -> ImageInfo:
    """Decode `data` fully; raises ValueError saying so when the bytes are not an image Pillow reads."""
    image = _open(data)
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    transparent = has_alpha and image.convert("RGBA").getchannel("A").getextrema()[0] == 0
    return ImageInfo(
        format=(image.format or "unknown").lower(),
        width=image.width,
        height=image.height,
        mode=image.mode,
        has_alpha=has_alpha,
        transparent_pixels=transparent,
    )


def human_size(count: int) -> str:
    """`1258291` -> `1.2 MB`."""
    for unit, name in _SIZE_UNITS:
        if count >= unit:
            return f"{count / unit:.1f} {name}"
    return f"{count} B"


def describe(data: bytes) -> str:
    """`<png 1024x1024, 1.2 MB>`, or `<undecodable, 12 B>`."""
    try:
        info = inspect_image(data)
    except ValueError:
        return f"<undecodable, {human_size(len(data))}>"
    return f"<{info.format} {info.size}, {human_size(len(data))}>"


_RETURNED: dict[int, list[ReturnedImage]] = {}


def returned_images(exchange: Exchange) -> list[ReturnedImage]:
    """The images an exchange's response carries, decoded once per exchange.

    From `data[i]` of a JSON body (`b64_json`, else the downloaded bytes of
    `url`), or from the `*.completed` events of a stream.
    """
    key = id(exchange)
    if key not in _RETURNED:
        _RETURNED[key] = _decode_all(exchange)
        weakref.finalize(exchange, _RETURNED.pop, key, None)
    return _RETURNED[key]


def _decode_all(exchange: Exchange) -> list[ReturnedImage]:
    events = exchange.response.events
    if events is not None:
        finals = [
            (position, event.data)
            for position, event in enumerate(events)
            if isinstance(event.data, dict) and str(event.data.get("type", "")).endswith(COMPLETED_EVENT_SUFFIX)
        ]
        return [
            _decode(index, item, format_path(["events", position]), exchange.downloads)
            for index, (position, item) in enumerate(finals)
        ]
    body = exchange.response.json_or_none()
    items = body.get("data") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return []
    return [_decode(index, item, format_path(["data", index]), exchange.downloads) for index, item in enumerate(items)]


def _decode(index: int, item: Any, path: str, downloads: dict[str, bytes]) -> ReturnedImage:
    item = item if isinstance(item, dict) else {}
    if isinstance(item.get("b64_json"), str):
        source: ImageSource = "b64_json"
        try:
            data: bytes | None = base64.b64decode(item["b64_json"], validate=True)
            error = None
        except ValueError as exc:
            data, error = None, f"b64_json is not valid base64: {exc}"
    elif isinstance(item.get("url"), str):
        source = "url"
        data = downloads.get(item["url"])
        error = None if data is not None else "the url was not downloaded"
    else:
        return ReturnedImage(index, "b64_json", None, None, "neither b64_json nor url is a string", path)
    path = f"{path}.{source}"
    if data is None:
        return ReturnedImage(index, source, None, None, error, path)
    try:
        return ReturnedImage(index, source, data, inspect_image(data), None, path)
    except ValueError as exc:
        return ReturnedImage(index, source, data, None, str(exc), path)


THUMBNAIL_SIDE = 8
"""Images are compared as 8x8 colour thumbnails: composition and palette, not detail."""


def _thumbnail(data: bytes) -> Image.Image:
    return _open(data).convert("RGB").resize((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.BOX)


def thumbnail_difference(first: bytes, second: bytes) -> float:
    """How far apart two images look (0-255): the mean absolute channel difference of their 8x8 thumbnails,
    the smaller of as is and mirrored (a variation may flip its input). ValueError when either does not decode."""
    one, other = _thumbnail(first), _thumbnail(second)
    return min(
        sum(ImageStat.Stat(ImageChops.difference(one, candidate)).mean) / 3
        for candidate in (other, ImageOps.mirror(other))
    )


RESAMPLING_FILTERS = (Image.Resampling.NEAREST, Image.Resampling.BOX, Image.Resampling.BILINEAR, Image.Resampling.LANCZOS)
"""An answer at another size than its upload may be resized with any of these: a pixel is unchanged when it matches
the input resized by one of them (each treats the edges of flat shapes differently), and the editable area is what
any of them reaches."""


def _editable_area(mask: bytes | None, original: Image.Image, size: tuple[int, int]) -> Image.Image:
    """An `L` image, 255 where editing is allowed: the mask's fully transparent pixels, else the original's.

    Resized, a pixel counts as editable when any filter sees transparency under it (the border of a resized
    mask belongs to both sides)."""
    source = _open(mask) if mask is not None else original
    alpha = source.convert("RGBA").getchannel("A")
    if alpha.size == size:
        return alpha.point(lambda value: 255 if value == 0 else 0)
    nearest = alpha.resize(size, Image.Resampling.NEAREST).point(lambda value: 255 if value == 0 else 0)
    touched = alpha.resize(size, Image.Resampling.BILINEAR).point(lambda value: 255 if value < 255 else 0)
    return ImageChops.lighter(nearest, touched)


def _count(area: Image.Image) -> int:
    """Pixels set (255) in a two-level `L` image."""
    return area.histogram()[255]


def unchanged_outside_mask(
    original: bytes,
    mask: bytes | None,
    result: bytes,
    tolerance: int,
    allowed_fraction: float = 0.0,
) -> EditComparison:
    """Compare an edit's result with its input at the result's size.

    A pixel changed when any colour channel moved by more than `tolerance`.
    `ok` when at most `allowed_fraction` of the pixels outside the editable
    area changed; `inside_changed` when any pixel inside it did.
    """
    produced = _open(result).convert("RGB")
    source = _open(original)
    editable = _editable_area(mask, source, produced.size)
    before = source.convert("RGB")
    filters = [None] if before.size == produced.size else RESAMPLING_FILTERS
    largest = None
    for method in filters:
        candidate = before if method is None else before.resize(produced.size, method)
        red, green, blue = ImageChops.difference(candidate, produced).split()
        moved = ImageChops.lighter(ImageChops.lighter(red, green), blue)
        largest = moved if largest is None else ImageChops.darker(largest, moved)
    changed = largest.point(lambda value: 255 if value > tolerance else 0)
    outside = ImageChops.invert(editable)
    outside_pixels = _count(outside)
    changed_outside = _count(ImageChops.multiply(changed, outside))
    fraction = changed_outside / outside_pixels if outside_pixels else 0.0
    inside_changed = _count(ImageChops.multiply(changed, editable)) > 0
    return EditComparison(fraction <= allowed_fraction, fraction, inside_changed)
