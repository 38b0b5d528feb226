"""The conformant server's pictures: smooth gradients and noise (not the sandbox's drawings), honest edits
(unmasked pixels kept, masked ones repainted) and variations (the input with its colours inverted)."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

from conformant_rules import invalid

PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP", "gif": "GIF"}


def _seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


def painting(width: int, height: int, seed: str) -> Image.Image:
    """Red across, green down, blue from smoothed noise: a picture that differs with `seed` and compresses well."""
    number = _seed(seed)
    across = Image.linear_gradient("L").rotate(90).resize((width, height))
    down = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((16, 16), 40 + number % 60).resize((width, height), Image.Resampling.BICUBIC)
    offset = Image.new("L", (width, height), number % 128)
    return Image.merge("RGB", (across, ImageChops.add(down, offset), noise))


def encode(picture: Image.Image, output_format: str, compression: int = 100) -> bytes:
    """The picture in `output_format`; jpeg and webp at `output_compression` (100: webp lossless)."""
    buffer = io.BytesIO()
    if output_format == "jpeg":
        picture.convert("RGB").save(buffer, "JPEG", quality=max(1, compression))
    elif output_format == "webp":
        picture.save(buffer, "WEBP", lossless=compression == 100, quality=compression)
    else:
        picture.save(buffer, PIL_FORMATS[output_format])
    return buffer.getvalue()


def with_background(picture: Image.Image, background: str) -> Image.Image:
    """A transparent background: the picture's corners (outside an ellipse) cleared."""
    if background != "transparent":
        return picture
    alpha = Image.new("L", picture.size, 0)
    ImageDraw.Draw(alpha).ellipse((0, 0, picture.width - 1, picture.height - 1), fill=255)
    clear = picture.convert("RGBA")
    clear.putalpha(alpha)
    return clear


def partial(picture: Image.Image, step: int, steps: int) -> Image.Image:
    """An earlier, blurrier stage of `picture` (step 0 the coarsest)."""
    radius = 2 ** (steps - step + 2)
    return picture.filter(ImageFilter.GaussianBlur(radius))


def gif(width: int, height: int, seed: str, frames: int, duration: int) -> bytes:
    """`frames` frames of a gradient shifting over time, each lasting `duration` ms."""
    base = painting(width, height, seed).convert("P", palette=Image.Palette.ADAPTIVE)
    pictures = [ImageChops.offset(base, index * width // frames, 0) for index in range(frames)]
    buffer = io.BytesIO()
    pictures[0].save(buffer, "GIF", save_all=True, append_images=pictures[1:], duration=duration, loop=0,
                     disposal=1, optimize=False)
    return buffer.getvalue()


def svg(width: int, height: int, seed: str) -> bytes:
    """A vector drawing at the size asked: a gradient backdrop and a few circles."""
    number = _seed(seed)
    circles = "".join(
        f'<circle cx="{(number >> index) % width}" cy="{(number >> (index + 3)) % height}" '
        f'r="{min(width, height) // (4 + index)}" fill="#{(number >> index) & 0xFFFFFF:06x}" fill-opacity="0.6"/>'
        for index in range(4))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">'
            f'<stop offset="0" stop-color="#204060"/><stop offset="1" stop-color="#e0a040"/></linearGradient></defs>'
            f'<rect width="{width}" height="{height}" fill="url(#g)"/>{circles}</svg>').encode()


def decode(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return ImageOps.exif_transpose(picture)


def editable_area(image: Image.Image, mask: Image.Image | None, markup: Image.Image | None) -> Image.Image:
    """Where the edit may paint, as an `L` image (255 editable) at the input's size: the mask's fully transparent
    pixels; else the markup's drawn (opaque) pixels; else the input's own transparent pixels; else everywhere."""
    if mask is not None:
        return mask.convert("RGBA").getchannel("A").point(lambda alpha: 255 if alpha == 0 else 0)
    if markup is not None:
        return markup.convert("RGBA").getchannel("A").point(lambda alpha: 255 if alpha > 0 else 0)
    if image.mode in ("RGBA", "LA") or "transparency" in image.info:
        holes = image.convert("RGBA").getchannel("A").point(lambda alpha: 255 if alpha == 0 else 0)
        if holes.getbbox() is not None:
            return holes
    return Image.new("L", image.size, 255)


def edit(image: Image.Image, mask: Image.Image | None, markup: Image.Image | None, size: tuple[int, int],
         seed: str) -> Image.Image:
    """The first input at `size`, its editable area repainted, everything else as it was."""
    area = editable_area(image, mask, markup).resize(size, Image.Resampling.NEAREST)
    kept = image.convert("RGB").resize(size, Image.Resampling.BICUBIC)
    return Image.composite(painting(size[0], size[1], seed), kept, area)


def variation(image: Image.Image, size: tuple[int, int], index: int) -> Image.Image:
    """The input at `size` with its colours inverted (and its channels rotated for each further variation)."""
    inverted = ImageOps.invert(image.convert("RGB").resize(size, Image.Resampling.BICUBIC))
    channels = inverted.split()
    turn = index % 3
    return Image.merge("RGB", channels[turn:] + channels[:turn])


def described(data: bytes, param: str) -> dict[str, Any]:
    """Format, size and mode of the upload `param`, or the API's error for data that is not an image."""
    try:
        picture = Image.open(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for bad data
        raise invalid(param, f"Invalid '{param}': the file is not an image.", "invalid_image_format") from None
    return {"format": (picture.format or "").lower(), "size": picture.size, "mode": picture.mode}
