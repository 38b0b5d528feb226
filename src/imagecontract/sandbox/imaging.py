"""Real, deterministic, cheap pictures for every endpoint.

Each picture is flat shapes plus a line of the prompt, seeded from a hash of
the request (endpoint, parameters, uploaded bytes), so the same request gives
byte-identical files and a 1024x1024 PNG stays a few KB. Never noise, never a
timestamp.
"""

from __future__ import annotations

import json
import random
from hashlib import sha256
from io import BytesIO
from typing import Any, Callable, Mapping
from xml.sax.saxutils import escape

from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageOps

from imagecontract.sandbox.validation import ImageRequest

CONTENT_TYPES: Mapping[str, str] = {
    "png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp", "gif": "image/gif", "svg": "image/svg+xml",
}
DEFAULT_LOSSY_QUALITY = 90
SHAPES = ("rectangle", "ellipse", "triangle")
LABEL_CHARS = 48
NEAR = 32
"""Repainted pixels closer than this (luma of the difference) to the original are flipped instead."""


def digest(request: ImageRequest, salt: str) -> bytes:
    """A stable hash of everything that defines the answer, plus a salt per use."""
    material = [
        request.endpoint, request.model.name, request.prompt, request.size, list(request.pixels),
        request.quality, request.style, request.background, request.encoding, request.output_compression, salt,
    ]
    if request.encoding == "gif":
        material += [request.frame_count, request.frame_duration_ms]
    hasher = sha256(json.dumps(material).encode())
    for upload in request.images:
        hasher.update(sha256(upload.data).digest())
    if request.mask is not None:
        hasher.update(b"mask" + sha256(request.mask.data).digest())
    return hasher.digest()


def fraction(request: ImageRequest, salt: str) -> float:
    """A stable number in [0, 1) for a request, e.g. where its latency falls in the seed range."""
    return int.from_bytes(digest(request, salt)[:8], "big") / 2**64


def picture(request: ImageRequest, index: int) -> Image.Image:
    """The `index`-th image of an answer, before encoding."""
    rng = random.Random(digest(request, f"image-{index}"))
    return PAINTERS[request.endpoint](request, rng)


def render(request: ImageRequest) -> list[bytes]:
    """All `n` encoded images of an answer."""
    return [encode(picture(request, index), request) for index in range(request.n)]


def encode(image: Image.Image, request: ImageRequest) -> bytes:
    """The file bytes in the request's encoding; output_compression sets lossy quality."""
    if request.encoding in DOCUMENT_ENCODERS:
        return DOCUMENT_ENCODERS[request.encoding](image, request)
    fmt, prepare, options = ENCODERS[request.encoding]
    buffer = BytesIO()
    prepare(image).save(buffer, fmt, **options(request.output_compression))
    return buffer.getvalue()


def _gif(image: Image.Image, request: ImageRequest) -> bytes:
    """An animated GIF of `frame_count` frames, `frame_duration_ms` each: a marker moves across the picture,
    so every frame differs (an encoder would merge equal ones)."""
    width, height = image.size
    radius = max(2, min(width, height) // 12)
    frames = []
    for index in range(request.frame_count):
        frame = image.convert("RGB")
        x = radius + (width - 2 * radius) * index // max(1, request.frame_count - 1)
        ImageDraw.Draw(frame).ellipse((x - radius, height // 2 - radius, x + radius, height // 2 + radius),
                                      fill=(255 - 40 * (index % 4), 255, 40 * (index % 5)))
        frames.append(frame)
    buffer = BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=request.frame_duration_ms,
                   loop=0, disposal=1, optimize=False)
    return buffer.getvalue()


SVG_CELLS = 16
"""An SVG answer draws the picture as a grid of this many flat cells per side, then the prompt as text."""


def _svg(image: Image.Image, request: ImageRequest) -> bytes:
    """A real SVG document of the asked size: the picture as flat vector cells (transparent ones left out)
    and a line of the prompt as text."""
    width, height = image.size
    cells = image.convert("RGBA").resize((SVG_CELLS, SVG_CELLS), Image.Resampling.BOX)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}">']
    for row in range(SVG_CELLS):
        for column in range(SVG_CELLS):
            red, green, blue, alpha = cells.getpixel((column, row))
            if alpha == 0:
                continue
            x0, y0 = width * column // SVG_CELLS, height * row // SVG_CELLS
            x1, y1 = width * (column + 1) // SVG_CELLS, height * (row + 1) // SVG_CELLS
            opacity = "" if alpha == 255 else f' fill-opacity="{alpha / 255:.2f}"'
            parts.append(f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" '
                         f'fill="#{red:02x}{green:02x}{blue:02x}"{opacity}/>')
    label = escape(request.prompt[:LABEL_CHARS])
    parts.append(f'<text x="{width // 10}" y="{height - height // 20}" font-size="{max(10, height // 32)}">{label}</text>')
    parts.append("</svg>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + "\n".join(parts) + "\n").encode()


DOCUMENT_ENCODERS: Mapping[str, Callable[[Image.Image, ImageRequest], bytes]] = {"gif": _gif, "svg": _svg}
"""Encodings that need more than Pillow's `save` of one picture: animation, vectors."""


def preview(image: Image.Image, step: int, total: int) -> Image.Image:
    """A blocky partial image: coarser the earlier it comes, always at the final size."""
    factor = 2 ** (total - step + 2)
    small = image.resize((max(1, image.width // factor), max(1, image.height // factor)), Image.Resampling.BOX)
    return small.resize(image.size, Image.Resampling.NEAREST)


def _generate(request: ImageRequest, rng: random.Random) -> Image.Image:
    return _canvas(rng, request.pixels, request.background == "transparent", request.prompt)


def _edit(request: ImageRequest, rng: random.Random) -> Image.Image:
    """The first image, repainted (clearly different) inside the edit region only: opaque, or on a transparent
    background when `background: transparent` asks for one."""
    base = _fit(request.images[0].picture, request.pixels)
    region = _edit_region(request, base)
    transparent = request.background == "transparent"
    fresh = _unlike(_canvas(rng, request.pixels, transparent, request.prompt), base)
    edited = base.copy()
    edited.paste(fresh, (0, 0), region)
    return edited


def _vary(request: ImageRequest, rng: random.Random) -> Image.Image:
    """The input mirrored and tinted, with a mark of its own; a fresh canvas when no input is used."""
    if not request.images:
        return _canvas(rng, request.pixels, False, "variation")
    mirrored = ImageOps.mirror(_fit(request.images[0].picture, request.pixels).convert("RGB"))
    varied = Image.blend(mirrored, Image.new("RGB", request.pixels, _colour(rng)), 0.25)
    _draw_shapes(ImageDraw.Draw(varied), rng, request.pixels, count=1)
    return varied


PAINTERS: Mapping[str, Callable[[ImageRequest, random.Random], Image.Image]] = {
    "generations": _generate,
    "edits": _edit,
    "variations": _vary,
}

ENCODERS: Mapping[str, tuple[str, Callable[[Image.Image], Image.Image], Callable[[int | None], dict[str, Any]]]] = {
    "png": ("PNG", lambda image: image, lambda compression: {}),
    "jpeg": (
        "JPEG",
        lambda image: image.convert("RGB"),
        lambda compression: {"quality": DEFAULT_LOSSY_QUALITY if compression is None else max(compression, 1)},
    ),
    "webp": (
        "WEBP",
        lambda image: image,
        lambda compression: {"quality": DEFAULT_LOSSY_QUALITY if compression is None else compression},
    ),
}


def _canvas(rng: random.Random, size: tuple[int, int], transparent: bool, label: str) -> Image.Image:
    """A flat background, a few shapes inside a margin (so corners stay background) and a label."""
    if transparent:
        image = Image.new("RGBA", size, (0, 0, 0, 0))
    else:
        image = Image.new("RGB", size, _colour(rng))
    draw = ImageDraw.Draw(image)
    _draw_shapes(draw, rng, size, count=rng.randint(3, 5))
    width, height = size
    draw.text(
        (width // 10, height - height // 20),
        label[:LABEL_CHARS],
        fill=_colour(rng),
        font=_font(max(10, height // 32)),
        anchor="ls",
    )
    return image


def _draw_shapes(draw: ImageDraw.ImageDraw, rng: random.Random, size: tuple[int, int], count: int) -> None:
    width, height = size
    for _ in range(count):
        x0 = rng.randint(width // 10, width // 2)
        y0 = rng.randint(height // 10, height // 2)
        x1 = min(x0 + rng.randint(width // 8, width * 2 // 5), width - width // 10)
        y1 = min(y0 + rng.randint(height // 8, height * 2 // 5), height - height // 8)
        fill = _colour(rng)
        shape = rng.choice(SHAPES)
        if shape == "triangle":
            draw.polygon([(x0, y1), ((x0 + x1) // 2, y0), (x1, y1)], fill=fill)
        else:
            getattr(draw, shape)([x0, y0, x1, y1], fill=fill)


def _colour(rng: random.Random) -> tuple[int, int, int]:
    return rng.randint(40, 230), rng.randint(40, 230), rng.randint(40, 230)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Loaded per picture (40 µs): a shared FreeType face is not safe across render threads."""
    return ImageFont.load_default(size=size)


def _fit(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """RGBA at the answer's size; nearest-neighbour so same-size inputs keep every pixel."""
    rgba = image.convert("RGBA")
    return rgba if rgba.size == size else rgba.resize(size, Image.Resampling.NEAREST)


def _edit_region(request: ImageRequest, base: Image.Image) -> Image.Image:
    """255 where the mask (or, without one, the image itself) is fully transparent; everywhere if nowhere."""
    source = _fit(request.mask.picture, request.pixels) if request.mask is not None else base
    region = source.getchannel("A").point(lambda alpha: 255 if alpha == 0 else 0)
    return region if region.getbbox() else Image.new("L", request.pixels, 255)


def _unlike(fresh: Image.Image, base: Image.Image) -> Image.Image:
    """`fresh` (its own alpha kept), except where it would nearly match `base`: there `base` with every colour
    channel flipped."""
    fresh_rgb, base_rgb = fresh.convert("RGB"), base.convert("RGB")
    near = ImageChops.difference(fresh_rgb, base_rgb).convert("L").point(lambda luma: 255 if luma < NEAR else 0)
    flipped = base_rgb.point(lambda value: value ^ 0x80)
    unlike = Image.composite(flipped, fresh_rgb, near).convert("RGBA")
    unlike.putalpha(fresh.convert("RGBA").getchannel("A"))
    return unlike
