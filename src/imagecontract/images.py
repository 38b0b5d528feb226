"""Decoding and describing images with Pillow: what came back, and whether an edit kept its frame.

Returned images are decoded once per exchange and shared by every check and
by the report; a 1024x1024 PNG costs tens of milliseconds to decode.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from PIL import Image, ImageChops, UnidentifiedImageError

from imagecontract.exchange import Exchange
from imagecontract.jsonpath import format_path
from imagecontract.rules import MB
from imagecontract.svg import inspect_svg, looks_like_svg

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


PREVIEW_PIXELS = 256
"""The longest side of the preview kept with a decoded image: what the report's thumbnail is made from."""

DECODED_CACHE_BYTES = 24 * MB
"""Previews kept at most (some 100 images): only small renditions are kept, never full pixels, so a response of
ten 1024x1024 images costs no more memory than decoding them one after the other."""


@dataclass(frozen=True)
class Decoded:
    """What one full decode of an image yields for every later use: its facts and the report's preview
    (at most `PREVIEW_PIXELS` a side, the original's mode and info)."""

    info: ImageInfo
    preview: Image.Image


class _DecodedCache:
    """Decoded images by content hash, least recently used dropped first past `DECODED_CACHE_BYTES`:
    the checks, uploads and the report all ask about the same bytes, and decoding is the expensive part.
    Safe across `--concurrency` threads: the bookkeeping is locked, decoding is not."""

    def __init__(self) -> None:
        self._entries: dict[bytes, Decoded | ValueError] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, data: bytes) -> Decoded:
        key = hashlib.sha256(data).digest()
        with self._lock:
            found = self._entries.pop(key, None)
            if found is not None:
                self._entries[key] = found
        if found is None:
            try:
                found = _decode_image(data)
            except ValueError as error:
                found = error
            self._keep(key, found)
        if isinstance(found, ValueError):
            raise ValueError(str(found))
        return found

    def _keep(self, key: bytes, entry: Decoded | ValueError) -> None:
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = entry
            self._bytes += _weight(entry)
            while len(self._entries) > 1 and self._bytes > DECODED_CACHE_BYTES:
                self._bytes -= _weight(self._entries.pop(next(iter(self._entries))))


def _weight(entry: Decoded | ValueError) -> int:
    if isinstance(entry, ValueError):
        return 1024
    return entry.preview.width * entry.preview.height * len(entry.preview.getbands())


def _decode_image(data: bytes) -> Decoded:
    image = _open(data)
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    transparent = has_alpha and image.convert("RGBA").getchannel("A").getextrema()[0] == 0
    info = ImageInfo(
        format=(image.format or "unknown").lower(),
        width=image.width,
        height=image.height,
        mode=image.mode,
        has_alpha=has_alpha,
        transparent_pixels=transparent,
    )
    image.thumbnail((PREVIEW_PIXELS, PREVIEW_PIXELS))
    return Decoded(info, image)


_DECODED = _DecodedCache()


def decoded(data: bytes) -> Decoded:
    """Decode `data` fully, once per distinct content while it stays cached; ValueError saying why when the
    bytes are not an image Pillow reads. The preview is shared: copy it before changing it."""
    return _DECODED.get(data)


def inspect_image(data: bytes) -> ImageInfo:
    """Decode `data` fully; raises ValueError saying so when the bytes are not an image Pillow (or, for an SVG
    document, the `svg` module) reads."""
    if looks_like_svg(data):
        return _svg_info(data)
    return decoded(data).info


def _svg_info(data: bytes) -> ImageInfo:
    """An SVG as an image: its declared size (0x0 when it declares none); a vector has no pixels to be transparent."""
    try:
        info = inspect_svg(data)
    except ValueError as exc:
        raise ValueError(f"not a decodable SVG ({human_size(len(data))}): {exc}") from None
    return ImageInfo("svg", info.width or 0, info.height or 0, "vector", has_alpha=True, transparent_pixels=False)


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
            _decode(index, item, format_path(["events", position]), exchange.downloads, exchange.download_errors)
            for index, (position, item) in enumerate(finals)
        ]
    body = exchange.response.json_or_none()
    items = body.get("data") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return []
    return [_decode(index, item, format_path(["data", index]), exchange.downloads, exchange.download_errors)
            for index, item in enumerate(items)]


def _decode(index: int, item: Any, path: str, downloads: dict[str, bytes], failed: dict[str, str]) -> ReturnedImage:
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
        error = None if data is not None else failed.get(item["url"], "the url was not downloaded")
    else:
        return ReturnedImage(index, "b64_json", None, None, "neither b64_json nor url is a string", path)
    path = f"{path}.{source}"
    if data is None:
        return ReturnedImage(index, source, None, None, error, path)
    try:
        return ReturnedImage(index, source, data, inspect_image(data), None, path)
    except ValueError as exc:
        return ReturnedImage(index, source, data, None, str(exc), path)


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


@functools.lru_cache(maxsize=2)
def _edit_reference(original: bytes, mask: bytes | None, size: tuple[int, int],
                    ) -> tuple[tuple[Image.Image, ...], Image.Image]:
    """The input as RGB at `size` (once per `RESAMPLING_FILTERS` when resized), and its editable area: a
    collection uploads the same image and mask to edit after edit, so each pair is decoded once, not once per
    result. Callers must not change the images."""
    source = _open(original)
    before = source.convert("RGB")
    candidates = (before,) if before.size == size else tuple(before.resize(size, method) for method in RESAMPLING_FILTERS)
    return candidates, _editable_area(mask, source, size)


def _full_pixels(data: bytes) -> Image.Image:
    """The image with all its pixels: the shared decode's preview when that is the whole image (at most
    `PREVIEW_PIXELS` a side, so the checks before decoded it already), else a decode of its own."""
    found = decoded(data)
    if found.preview.size == (found.info.width, found.info.height):
        return found.preview
    return _open(data)


@functools.lru_cache(maxsize=16)
def _above(tolerance: int) -> list[int]:
    """The lookup table setting a channel value over `tolerance` to 255, else 0: PIL calls a function given to
    `point` 256 times to build one, on every call."""
    return [255 if value > tolerance else 0 for value in range(256)]


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
    produced = _full_pixels(result).convert("RGB")
    candidates, editable = _edit_reference(original, mask, produced.size)
    largest = None
    for candidate in candidates:
        red, green, blue = ImageChops.difference(candidate, produced).split()
        moved = ImageChops.lighter(ImageChops.lighter(red, green), blue)
        largest = moved if largest is None else ImageChops.darker(largest, moved)
    changed = largest.point(_above(tolerance))
    outside = ImageChops.invert(editable)
    outside_pixels = _count(outside)
    changed_outside = _count(ImageChops.multiply(changed, outside))
    fraction = changed_outside / outside_pixels if outside_pixels else 0.0
    inside_changed = _count(ImageChops.multiply(changed, editable)) > 0
    return EditComparison(fraction <= allowed_fraction, fraction, inside_changed)
