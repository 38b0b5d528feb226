"""Upload parts of a multipart body: fixture files, generated images, saved images.

Generated images are deterministic (same spec, same bytes), so recorded
cassettes keep matching; they are flat shapes that compress to a few KB.
Each distinct spec is drawn and encoded once: kept in memory for the run and,
once the plugin names a directory, as a file named by the spec's hash there
(`.imagecontract/uploads/`), so later runs read it instead of encoding again.
"""

from __future__ import annotations

import hashlib
import io
import json
import mimetypes
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping

from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

from imagecontract.collection.confine import ALLOW_FLAG, outside_reason
from imagecontract.errors import FixtureError
from imagecontract.exchange import FilePart
from imagecontract.images import inspect_image
from imagecontract.local_cache import used
from imagecontract.rules import parse_size

IMAGE_FORMATS = {"png": ("PNG", "image/png"), "jpeg": ("JPEG", "image/jpeg"), "webp": ("WEBP", "image/webp")}

GENERATOR_VERSION = 1
"""Part of every cached upload's name: change it when `generate_image` draws differently."""

_GENERATED: dict[str, bytes] = {}
_cache_dir: list[Path] = []


def cache_generated_under(directory: Path | None) -> None:
    """Keep generated uploads as files in `directory` (created when first written); None: in memory only."""
    _cache_dir[:] = [directory] if directory is not None else []


_PALETTE = ((46, 134, 193), (231, 76, 60), (241, 196, 15), (39, 174, 96), (142, 68, 173), (52, 73, 94))


def file_part(field: str, spec: Mapping[str, Any], *, base_dir: Path, saved: Mapping[str, bytes], where: str,
              confined: bool = True) -> FilePart:
    """Turn one `form.files` entry into the bytes to upload; a `confined` fixture must be a file of the project."""
    if "fixture" in spec:
        reason = outside_reason(str(spec["fixture"]), base_dir) if confined else None
        if reason:
            raise FixtureError(f"{where}.fixture: {spec['fixture']!r} is {reason}; fixtures must be files of the "
                               f"collection's project (relative to the collection file), or pass {ALLOW_FLAG}")
        return _fixture(field, spec, base_dir, where)
    if "saved" in spec:
        name = spec["saved"]
        if name not in saved:
            raise FixtureError(f"{where}: image {name!r} was not saved: the request that saves it did not pass")
        return FilePart(field, spec.get("filename", f"{name}.png"), spec.get("content_type", "image/png"), saved[name])
    if "text" in spec:
        data = spec["text"].encode("utf-8")
        return FilePart(field, spec.get("filename", "upload.txt"), spec.get("content_type", "text/plain"), data)
    return _generated(field, spec, where)


def _fixture(field: str, spec: Mapping[str, Any], base_dir: Path, where: str) -> FilePart:
    path = (base_dir / spec["fixture"]).resolve()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FixtureError(
            f"{where}.fixture: file {spec['fixture']!r} not found (looked at {path}); paths are relative to the collection file"
        ) from None
    except IsADirectoryError:
        raise FixtureError(f"{where}.fixture: {spec['fixture']!r} is a directory, expected a file") from None
    except OSError as exc:
        raise FixtureError(f"{where}.fixture: {spec['fixture']!r} cannot be read ({exc.strerror})") from None
    content_type = spec.get("content_type") or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if "content_type" not in spec and content_type.startswith("image/"):
        try:
            inspect_image(data)
        except ValueError as exc:
            raise FixtureError(
                f"{where}.fixture: {spec['fixture']!r} is not a valid image ({exc}); "
                f"to upload it anyway as an invalid image, give its content_type"
            ) from None
    return FilePart(field, spec.get("filename", path.name), content_type, data)


def _generated(field: str, spec: Mapping[str, Any], where: str) -> FilePart:
    kind = next(name for name in IMAGE_FORMATS if name in spec)
    size = parse_size(str(spec[kind]))
    if size is None:
        raise FixtureError(f"{where}.{kind}: size {spec[kind]!r} is not WIDTHxHEIGHT, e.g. 512x512")
    width, height = size
    if spec.get("square") and width != height:
        raise FixtureError(f"{where}: square: true but {spec[kind]} is not square; use e.g. {width}x{width}")
    if spec.get("pad_to_bytes") and kind != "png":
        raise FixtureError(f"{where}.pad_to_bytes: padding is supported for png images only")
    if kind == "jpeg" and (spec.get("alpha") or spec.get("mask")):
        raise FixtureError(f"{where}: jpeg has no alpha channel; use png or webp for alpha or mask images")
    data = generated_once(
        kind, width, height,
        alpha=bool(spec.get("alpha")), mask=bool(spec.get("mask")),
        seed=str(spec.get("seed", field)), pad_to_bytes=spec.get("pad_to_bytes"),
    )
    pil_format, content_type = IMAGE_FORMATS[kind]
    filename = spec.get("filename", f"{field.strip('[]') or 'image'}.{kind}")
    return FilePart(field, filename, spec.get("content_type", content_type), data)


def generated_once(kind: str, width: int, height: int, **options: Any) -> bytes:
    """`generate_image(...)`, made once per distinct spec: from memory, else the cache directory, else drawn
    (and stored in both). A file is written under a temporary name and renamed, so a reader never sees half of it."""
    key = hashlib.sha256(json.dumps([GENERATOR_VERSION, kind, width, height, options], sort_keys=True).encode()).hexdigest()[:32]
    if key in _GENERATED:
        return _GENERATED[key]
    path = _cache_dir[0] / f"{key}.{kind}" if _cache_dir else None
    data = _read(path)
    if data is None:
        data = generate_image(kind, width, height, **options)
        _store(path, data)
    _GENERATED[key] = data
    return data


def _read(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    used(path)
    return data


def _store(path: Path | None, data: bytes) -> None:
    """Best effort: an unwritable cache directory only costs the next run the time to draw again."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except OSError:
        return


def generate_image(
    kind: str, width: int, height: int, *, alpha: bool = False, mask: bool = False, seed: str = "", pad_to_bytes: int | None = None
) -> bytes:
    """A deterministic test image; `alpha` and `mask` leave a transparent centre to edit."""
    digest = hashlib.sha256(f"{seed}:{width}x{height}".encode()).digest()
    background = _PALETTE[digest[0] % len(_PALETTE)]
    mode = "RGBA" if (alpha or mask) else "RGB"
    image = Image.new(mode, (width, height), (0, 0, 0, 255) if mask else background)
    draw = ImageDraw.Draw(image)
    if not mask:
        for index in range(3):
            colour = _PALETTE[digest[index + 1] % len(_PALETTE)]
            x0, y0 = digest[4 + index] % (width // 2), digest[8 + index] % (height // 2)
            draw.rectangle((x0, y0, x0 + width // 3, y0 + height // 3), fill=colour)
    if alpha or mask:
        draw.rectangle((width // 4, height // 4, 3 * width // 4 - 1, 3 * height // 4 - 1), fill=(0, 0, 0, 0))
    pil_format, _ = IMAGE_FORMATS[kind]
    buffer = io.BytesIO()
    if kind == "png":
        info = PngInfo()
        if pad_to_bytes:
            probe = io.BytesIO()
            image.save(probe, "PNG")
            info.add_text("padding", "x" * max(0, pad_to_bytes - probe.tell()))
        image.save(buffer, "PNG", pnginfo=info)
    else:
        image.save(buffer, pil_format)
    return buffer.getvalue()
