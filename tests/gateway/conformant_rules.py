"""The Images API's rules as the conformant server reads them, written from the official sources alone.

Sources: the `openai` SDK 3.57.0 (`types/image_generate_params.py`, `image_edit_params.py`,
`image_create_variation_params.py`, `images_response.py`, `resources/images.py`). Nothing here comes from
`imagecontract`: the server is a second, independent reading of the same documents, so a check that fails it
is a check that reads them differently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

STANDARD = ("1024x1024", "1536x1024", "1024x1536")
"""image_generate_params `size`: "The standard sizes ... are supported by the GPT image models"."""
GPT_2 = ("gpt-image-2", "gpt-image-2-2026-04-21")
GPT_2_5 = ("gpt-image-2.5-sunburst", "gpt-image-2.5-sunburst-2026-09-08", "gpt-image-2.5-flare",
           "gpt-image-2.5-flare-2026-09-08")
GPT_2_6 = ("gpt-image-2.6-sunburst", "gpt-image-2.6-flare")
GPT_MODELS = ("gpt-image-1-mini", "gpt-image-1.5", "chatgpt-image-latest", *GPT_2, *GPT_2_5, *GPT_2_6)
"""image_generate_params `model`: the supported GPT image models."""
ARBITRARY_SIZES = (*GPT_2, *GPT_2_5)
"""`size`: arbitrary WIDTHxHEIGHT for gpt-image-2 and 2.5 and their snapshots (the list names no 2.6 model)."""
EXTRA_QUALITIES = GPT_2_5
"""`quality`: the 2.5 models "also support `xhigh` and `max`"."""
ANIMATED_AND_VECTOR = (*GPT_2_5, *GPT_2_6)
"""`output_format` gif and svg "require a model that supports the selected format": the models that came with them."""
MARKUP = GPT_2_5
"""image_edit_params `markup`: "Supports GPT Image 2.5"."""
FIDELITY = {"gpt-image-1.5": ("high", "low"), "gpt-image-1-mini": ("low",)}
"""image_edit_params `input_fidelity`: high and low on gpt-image-1.5, only low on 1-mini, omitted elsewhere."""
RETIRED = {"dall-e-2": "was retired on May 12, 2026", "dall-e-3": "was retired on May 12, 2026",
           "gpt-image-1": "was shut down on October 23, 2026"}
"""`model`, deprecated values."""
EDIT_DEFAULT_MODEL = "gpt-image-1.5"
"""openai-openapi CreateImageEditRequest: `model` defaults to gpt-image-1.5; generations have no default."""
VARIATION_SIZES = ("256x256", "512x512", "1024x1024")
"""image_create_variation_params `size` (dall-e-2, the seed era's only variation model)."""
QUALITY_TOKENS = {"low": 272, "medium": 1056, "high": 4160, "xhigh": 6240, "max": 8320}
"""Output image tokens per 1024x1024 at each quality (billing figures are this server's own)."""


@dataclass
class ApiError(Exception):
    """An answer in the API's error envelope."""

    status: int
    message: str
    param: str | None = None
    code: str | None = "invalid_value"
    type: str = "invalid_request_error"

    def envelope(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def invalid(param: str | None, message: str, code: str | None = "invalid_value") -> ApiError:
    return ApiError(400, message, param, code)


def _one_of(params: dict[str, Any], name: str, allowed: tuple[str, ...]) -> None:
    value = params.get(name)
    if value is not None and value not in allowed:
        raise invalid(name, f"Invalid value: '{value}'. Supported values are: {', '.join(map(repr, allowed))}.")


def integer(params: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid(name, f"Invalid type for '{name}': expected an integer, but got '{value}'.",
                      "invalid_type") from None
    if not low <= number <= high:
        raise invalid(name, f"Invalid '{name}': must be between {low} and {high}, got {number}.")
    return number


def check_model(name: Any, endpoint: str) -> str:
    """The model to use, or the error the API gives for a missing, retired or unknown one."""
    if name in (None, ""):
        if endpoint == "edits":
            return EDIT_DEFAULT_MODEL
        raise invalid("model", "Missing required parameter: 'model'. Specify a GPT image model.",
                      "missing_required_parameter")
    if name in RETIRED:
        raise invalid("model", f"The model '{name}' {RETIRED[name]}. Use a GPT image model instead.",
                      "model_not_found")
    if name not in GPT_MODELS:
        raise invalid("model", f"Invalid value: '{name}'. Supported models are: {', '.join(GPT_MODELS)}.")
    return str(name)


def check_size(model: str, size: Any) -> str:
    """A size the model allows (`auto` included)."""
    if size in (None, "auto"):
        return "auto"
    if size in STANDARD:
        return str(size)
    if model in ARBITRARY_SIZES:
        problem = arbitrary_size_problem(str(size))
        if problem is None:
            return str(size)
        raise invalid("size", f"Invalid size '{size}': {problem}.")
    raise invalid("size", f"Invalid size '{size}'. Supported sizes for {model} are {', '.join(STANDARD)} and auto.")


def arbitrary_size_problem(size: str) -> str | None:
    """Why an arbitrary WIDTHxHEIGHT is refused: divisible by 16, aspect 1:3..3:1, at most 3840x2160."""
    width, _, height = size.partition("x")
    if not (width.isdigit() and height.isdigit()) or not int(width) or not int(height):
        return "expected WIDTHxHEIGHT"
    w, h = int(width), int(height)
    if w % 16 or h % 16:
        return "width and height must both be divisible by 16"
    if not (w <= 3 * h and h <= 3 * w):
        return "the aspect ratio must be between 1:3 and 3:1"
    if max(w, h) > 3840 or w * h > 3840 * 2160:
        return "the maximum supported resolution is 3840x2160"
    return None


def check_options(model: str, params: dict[str, Any], endpoint: str) -> dict[str, Any]:
    """Validate the parameters both endpoints share; the settings the answer is drawn with."""
    prompt = params.get("prompt")
    if not isinstance(prompt, str) or not prompt:
        raise invalid("prompt", "Missing required parameter: 'prompt'.", "missing_required_parameter")
    if len(prompt) > 32000:
        raise invalid("prompt", "Invalid 'prompt': string too long. Expected a string with maximum length 32000.",
                      "string_above_max_length")
    for legacy in ("response_format", "style"):
        if params.get(legacy) is not None:
            raise invalid(legacy, f"Unknown parameter: '{legacy}'. It is unsupported for GPT image models.",
                          "unknown_parameter")
    qualities = ("low", "medium", "high", "auto") + (("xhigh", "max") if model in EXTRA_QUALITIES else ())
    _one_of(params, "quality", qualities)
    _one_of(params, "background", ("transparent", "opaque", "auto"))
    _one_of(params, "moderation", ("low", "auto"))
    _one_of(params, "complexity", ("low", "medium", "high"))
    formats = ("png", "jpeg", "webp") + (("gif", "svg") if model in ANIMATED_AND_VECTOR else ())
    _one_of(params, "output_format", formats)
    if endpoint == "edits" and params.get("input_fidelity") is not None:
        _one_of(params, "input_fidelity", FIDELITY.get(model, ()))
    output_format = params.get("output_format") or "png"
    n = integer(params, "n", 1, 10) or 1
    compression = integer(params, "output_compression", 0, 100)
    partials = integer(params, "partial_images", 0, 3) or 0
    stream = str(params.get("stream", "false")).lower() == "true"
    background = params.get("background") or "auto"
    if background == "transparent" and output_format not in ("png", "webp"):
        raise invalid("background", "Transparent backgrounds need output_format png or webp.")
    frames = integer(params, "frame_count", 2, 16)
    duration = integer(params, "frame_duration_ms", 1, 655350)
    if output_format != "gif" and (frames is not None or duration is not None):
        raise invalid("frame_count" if frames is not None else "frame_duration_ms",
                      "frame_count and frame_duration_ms are only supported with output_format=gif.")
    if output_format in ("gif", "svg"):
        for name, given in (("stream", stream), ("output_compression", compression is not None)):
            if given:
                raise invalid(name, f"{output_format} output does not support {name}.")
    if output_format == "svg" and n != 1:
        raise invalid("n", "SVG generation requires n=1.")
    if params.get("svg") is not None and output_format != "svg":
        raise invalid("svg", "svg requires output_format=svg.")
    identifier = params.get("safety_identifier") or params.get("user") or None
    return {"model": model, "prompt": prompt, "n": n, "size": check_size(model, params.get("size")),
            "quality": params.get("quality") or "auto", "background": background, "output_format": output_format,
            "compression": 100 if compression is None else compression, "stream": stream, "partials": partials,
            "frames": frames or 9, "duration": duration or 200, "svg": params.get("svg"),
            "safety_identifier": identifier}


def resolved(settings: dict[str, Any], input_size: tuple[int, int] | None = None) -> tuple[str, str, str]:
    """(size, quality, background) with `auto` decided: a standard size nearest the input's aspect, medium, opaque."""
    size = settings["size"]
    if size == "auto":
        width, height = input_size or (1024, 1024)
        size = "1536x1024" if width > height * 1.2 else "1024x1536" if height > width * 1.2 else "1024x1024"
    quality = "medium" if settings["quality"] == "auto" else settings["quality"]
    background = "opaque" if settings["background"] == "auto" else settings["background"]
    return size, quality, background


def usage(prompt: str, input_sizes: list[tuple[int, int]], size: str, quality: str, images: int) -> dict[str, Any]:
    """Token usage: text by ~4 characters a token, each input image by 512 px tiles, output by area and quality."""
    text = max(1, len(prompt) // 4)
    image_in = sum(85 + 170 * (-(-w // 512)) * (-(-h // 512)) for w, h in input_sizes)
    width, height = (int(part) for part in size.split("x"))
    image_out = images * max(16, round(QUALITY_TOKENS[quality] * width * height / (1024 * 1024)))
    return {"input_tokens": text + image_in, "input_tokens_details": {"text_tokens": text, "image_tokens": image_in},
            "output_tokens": image_out, "output_tokens_details": {"text_tokens": 0, "image_tokens": image_out},
            "total_tokens": text + image_in + image_out}
