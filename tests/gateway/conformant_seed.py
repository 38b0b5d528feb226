"""The conformant server's seed era (`era="seed"`): the dall-e-2 endpoints today's API retired, variations and
masked edits, answered as url or b64_json. Rules from the openai SDK's `image_create_variation_params.py` and the
dall-e-2 lines of `image_edit_params.py`: a square PNG under 4MB, sizes 256x256, 512x512 or 1024x1024, n 1 to 10."""

from __future__ import annotations

import base64
import time
from typing import Any, Callable

import conformant_pictures as pictures
import conformant_rules as rules
from conformant_rules import invalid

Publish = Callable[[bytes], str]
"""Keep a PNG for download; its URL."""


def _common(fields: dict[str, str], files: dict[str, list[bytes]], endpoint: str) -> tuple[Any, int, int, str]:
    """The input image, the side, n and response_format of a dall-e-2 request, or the API's error."""
    if fields.get("model", "dall-e-2") != "dall-e-2":
        raise invalid("model", f"Invalid model '{fields['model']}': this server's seed era serves dall-e-2 {endpoint} only.")
    if not files.get("image"):
        raise invalid("image", "Missing required parameter: 'image'.", "missing_required_parameter")
    described = pictures.described(files["image"][0], "image")
    if described["format"] != "png" or described["size"][0] != described["size"][1] or len(files["image"][0]) >= 4 << 20:
        raise invalid("image", "Invalid 'image': must be a square PNG file less than 4MB.")
    size = fields.get("size", "1024x1024")
    if size not in rules.VARIATION_SIZES:
        raise invalid("size", f"Invalid size '{size}'. Supported sizes are {', '.join(rules.VARIATION_SIZES)}.")
    response_format = fields.get("response_format", "url")
    if response_format not in ("url", "b64_json"):
        raise invalid("response_format", f"Invalid response_format '{response_format}': use url or b64_json.")
    n = rules.integer(fields, "n", 1, 10) or 1
    return pictures.decode(files["image"][0]), int(size.split("x")[0]), n, response_format


def _answer(drawn: list[bytes], response_format: str, publish: Publish) -> dict[str, Any]:
    data = [{"b64_json": base64.b64encode(png).decode()} if response_format == "b64_json" else {"url": publish(png)}
            for png in drawn]
    return {"created": int(time.time()), "data": data}


def variation(fields: dict[str, str], files: dict[str, list[bytes]], publish: Publish) -> dict[str, Any]:
    """Each variation the input with its colours inverted (channels rotated for the second and third)."""
    source, side, n, response_format = _common(fields, files, "variations")
    drawn = [pictures.encode(pictures.variation(source, (side, side), index), "png") for index in range(n)]
    return _answer(drawn, response_format, publish)


def edit(fields: dict[str, str], files: dict[str, list[bytes]], publish: Publish) -> dict[str, Any]:
    """The input with the mask's transparent pixels (or its own) repainted, the others kept."""
    source, side, n, response_format = _common(fields, files, "edits")
    if not fields.get("prompt"):
        raise invalid("prompt", "Missing required parameter: 'prompt'.", "missing_required_parameter")
    mask = None
    if files.get("mask"):
        if pictures.described(files["mask"][0], "mask")["format"] != "png":
            raise invalid("mask", "Invalid 'mask': must be a PNG file.")
        mask = pictures.decode(files["mask"][0])
        if mask.size != source.size:
            raise invalid("mask", "Invalid 'mask': it must have the same dimensions as 'image'.")
    drawn = [pictures.encode(pictures.edit(source, mask, None, (side, side), f"{fields['prompt']}/{index}/{time.time_ns()}"),
                             "png") for index in range(n)]
    return _answer(drawn, response_format, publish)
