"""The sandbox's figures (latency, tokens; not API facts) and the helpers that read the tables."""

from __future__ import annotations

import math
from datetime import date
from typing import Collection, Iterable, Mapping

from imagecontract.rules.models import DALL_E_2_FAMILY, GPT_IMAGE_FAMILY, Lifecycle, ModelRules, parse_size
from imagecontract.rules.params import PARAM_SUPPORT, PARAMS, api_on

# --- Sandbox figures (not API facts) ----------------------------------------------------------------------------

SEED_LATENCY_SECONDS: Mapping[str, tuple[float, float]] = {
    "generations": (6.0, 8.0),
    "edits": (15.0, 17.0),
    "variations": (12.0, 14.0),
}
"""Measured in the seed blog for 1024x1024 images: (fastest, slowest)."""

SIZE_LATENCY_FACTOR: Mapping[str, float] = {
    "256x256": 0.5,
    "512x512": 0.75,
}
"""Smaller sizes are faster to generate (Images guide); larger ones count as 1024x1024."""

DEFAULT_RATE_LIMIT_IMAGES_PER_MINUTE = 50

RATE_LIMIT_WINDOW_SECONDS = 60.0

URL_LIFETIME_SECONDS = 60 * 60
"""Image URLs expire an hour after generation (Images guide)."""

GPT_IMAGE_AUTO_SIZE = "1024x1024"
"""The size a GPT image model picks for `size: auto` in the sandbox."""

GPT_IMAGE_AUTO_QUALITY = "medium"
"""The quality a GPT image model picks for `quality: auto` in the sandbox."""

TEXT_CHARS_PER_TOKEN = 4
INPUT_IMAGE_TOKENS = 194
"""Usage tokens the sandbox charges per input image, so the number of inputs used is observable
(modelled on one 512 px input: 65 base tokens plus 129 for its one tile)."""

MIN_INPUT_IMAGE_TOKENS = 65
"""The fewest image tokens any one input image can cost a GPT image model (the per-image base cost, before
tiles): an edit's `usage.input_tokens_details.image_tokens` below this times the number of inputs sent shows
that some inputs were dropped (check `input_images_used`). Kept below INPUT_IMAGE_TOKENS to tolerate the real
API's per-size figures."""

OUTPUT_TOKENS: Mapping[tuple[str, str], int] = {
    ("low", "1024x1024"): 272, ("low", "1024x1536"): 408, ("low", "1536x1024"): 400,
    ("medium", "1024x1024"): 1056, ("medium", "1024x1536"): 1584, ("medium", "1536x1024"): 1568,
    ("high", "1024x1024"): 4160, ("high", "1024x1536"): 6240, ("high", "1536x1024"): 6208,
}
"""Output tokens per image of a GPT image model by (quality, size), from OpenAI's pricing page."""

QUALITY_TOKEN_FACTOR: Mapping[str, float] = {"low": 272 / 1024 ** 2, "medium": 1056 / 1024 ** 2, "high": 4160 / 1024 ** 2,
                                             "xhigh": 2 * 4160 / 1024 ** 2, "max": 4 * 4160 / 1024 ** 2}
"""The sandbox's own model for sizes and qualities OUTPUT_TOKENS lacks: tokens per pixel (xhigh and max made up)."""


def output_tokens(quality: str, size: str) -> int:
    """The sandbox's output tokens for one image: the pricing table, else pixels times the quality's factor."""
    if (quality, size) in OUTPUT_TOKENS:
        return OUTPUT_TOKENS[(quality, size)]
    pixels = parse_size(size) or (1024, 1024)
    return math.ceil(pixels[0] * pixels[1] * QUALITY_TOKEN_FACTOR.get(quality, QUALITY_TOKEN_FACTOR["high"]))


# --- Helpers ----------------------------------------------------------------------------------------------------


def resolved_size(rules: ModelRules, size: str | None) -> str:
    """The size an answer is made at: the default when absent, `auto` picked for GPT image models."""
    size = size or rules.default_size
    return GPT_IMAGE_AUTO_SIZE if size == "auto" else size


def resolved_quality(rules: ModelRules, quality: str | None) -> str:
    """The quality an answer is made at: the default when absent, `auto` resolved per model."""
    quality = quality or rules.default_quality
    return rules.auto_quality if quality == "auto" else quality


def model_accepts(rules: ModelRules, param: str) -> bool:
    """Whether a model takes a parameter at all (GPT-only parameters, and PARAM_SUPPORT)."""
    if param in GPT_ONLY_PARAMS and rules.family != GPT_IMAGE_FAMILY:
        return False
    supported = PARAM_SUPPORT.get(param)
    return supported is None or supported(rules)


GPT_ONLY_PARAMS = frozenset(param.name for param in PARAMS if param.gpt_only) | {"markup"}
GPT_IMAGE_ONLY_PARAMS = GPT_ONLY_PARAMS
"""Parameters whose presence makes a request without `model` default to a GPT image model (where there is one)."""


def latency_profile(endpoint: str, size: str | None) -> tuple[float, float]:
    """The seed's (fastest, slowest) seconds for an endpoint at a size."""
    low, high = SEED_LATENCY_SECONDS[endpoint]
    factor = SIZE_LATENCY_FACTOR.get(size or "", 1.0)
    return low * factor, high * factor


DEFAULT_N = 1
"""Images per request when `n` is absent."""

DEFAULT_OUTPUT_FORMAT = "png"
"""The file format of returned images when `output_format` is absent (every model)."""

MASK_EXACT_FAMILIES = frozenset({DALL_E_2_FAMILY})
"""Families whose edits keep the pixels outside the mask; GPT image models use the mask only as guidance."""

DEFAULT_MODEL = "dall-e-2"
"""The seed era's default model (DEFAULT_MODELS)."""

GPT_IMAGE_DEFAULT_MODEL = "gpt-image-1"
"""The seed era's default when a GPT-only parameter is sent (DEFAULT_MODELS)."""


def effective_model(
    params: Mapping[str, object], endpoint: str | None, file_fields: Collection[str] = (), as_of: date | None = None,
) -> str:
    """The model that serves a request on a day (today when None): its `model`, else the day's default for the
    endpoint (the GPT one when a GPT-only parameter or `image[]` is sent); "" when the API wants a model named."""
    model = params.get("model")
    if model:
        return str(model)
    gpt_hint = bool(GPT_ONLY_PARAMS & params.keys()) or "image[]" in file_fields or "images" in params
    return api_on(as_of).default_model(endpoint, gpt_hint) or ""


def retirement_reason(name: str, lifecycle: Lifecycle) -> str:
    """`dall-e-2 retired on 2026-05-12; use gpt-image-1.5 or later`."""
    reason = f"{name} retired on {lifecycle.retired.isoformat() if lifecycle.retired else '?'}"
    return f"{reason}; use {lifecycle.replacement}" if lifecycle.replacement else reason


def names(rows: Iterable[ModelRules]) -> list[str]:
    return list(dict.fromkeys(row.name for row in rows))
