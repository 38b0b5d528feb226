"""Thumbnails and one-line descriptions of images, keyed by content hash so each is made and embedded once."""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import asdict, dataclass
from typing import Any

from PIL import Image

from imagecontract.images import PREVIEW_PIXELS, decoded, human_size

THUMBNAIL_PIXELS = PREVIEW_PIXELS
"""The longest side of a thumbnail."""

_JPEG_QUALITY = 80

WEB_FORMATS = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}
"""Formats every browser shows, so a small original can be embedded as it is."""
_CACHE_LIMIT = 2048


@dataclass(frozen=True)
class Thumbnail:
    """A small rendition of an image (base64 `data`), ready for a `data:` URI."""

    mime: str
    data: str
    width: int
    height: int

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Thumbnail:
        return cls(str(value["mime"]), str(value["data"]), int(value["width"]), int(value["height"]))


@dataclass(frozen=True)
class Picture:
    """What the report says about one image: `<png 1024x1024, 1.2 MB>`, its size, and its thumbnail."""

    key: str
    description: str
    width: int | None
    height: int | None
    thumbnail: Thumbnail | None


_PICTURES: dict[str, Picture] = {}


def image_key(data: bytes) -> str:
    """A short content hash: the same bytes anywhere in a run (or in another shard) get the same key."""
    return hashlib.sha256(data).hexdigest()[:20]


def picture(data: bytes) -> Picture:
    """Describe and thumbnail `data`, decoding it once per distinct content."""
    key = image_key(data)
    if key not in _PICTURES:
        if len(_PICTURES) >= _CACHE_LIMIT:
            _PICTURES.pop(next(iter(_PICTURES)))
        _PICTURES[key] = _make_picture(key, data)
    return _PICTURES[key]


def _make_picture(key: str, data: bytes) -> Picture:
    """From the decode the checks already made (`images.decoded`), so the report decodes nothing again."""
    try:
        found = decoded(data)
    except ValueError:
        return Picture(key, f"<undecodable, {human_size(len(data))}>", None, None, None)
    info = found.info
    thumbnail = _smallest(data, info.format, (info.width, info.height), found.preview)
    return Picture(key, f"<{info.format} {info.size}, {human_size(len(data))}>", info.width, info.height, thumbnail)


def _smallest(original: bytes, kind: str, size: tuple[int, int], image: Image.Image) -> Thumbnail:
    """The fewest bytes that show `image`: the original when it is small already, else PNG or (no alpha) JPEG."""
    candidates = [(_encode(image.convert("RGBA"), "PNG"), "image/png")]
    if not ("A" in image.getbands() or "transparency" in image.info):
        candidates.append((_encode(image.convert("RGB"), "JPEG", quality=_JPEG_QUALITY), "image/jpeg"))
    if kind in WEB_FORMATS and image.size == size:
        candidates.append((original, WEB_FORMATS[kind]))
    data, mime = min(candidates, key=lambda candidate: len(candidate[0]))
    return Thumbnail(mime, base64.b64encode(data).decode("ascii"), image.width, image.height)


def _encode(image: Image.Image, kind: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


class ImageStore(dict[str, Thumbnail]):
    """The run's thumbnails by key: every record refers to these, the report embeds each once."""

    def add(self, data: bytes) -> Picture:
        """Describe `data` and keep its thumbnail, if it has one."""
        found = picture(data)
        if found.thumbnail is not None:
            self[found.key] = found.thumbnail
        return found

    def as_json(self) -> dict[str, dict[str, Any]]:
        return {key: thumbnail.as_json() for key, thumbnail in sorted(self.items())}

    @classmethod
    def from_json(cls, value: dict[str, dict[str, Any]]) -> ImageStore:
        return cls({key: Thumbnail.from_json(item) for key, item in value.items()})
