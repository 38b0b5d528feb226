"""The Images API's documented rules, as data.

This module is the single place a model limit, size table, latency figure or
default lives. The sandbox validates requests against it and the contract
checks judge responses against it, so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

ENDPOINTS = ("generations", "edits", "variations")

DEFAULT_MODEL = "dall-e-2"

MB = 1024 * 1024


@dataclass(frozen=True)
class ModelRules:
    """What one model accepts and how it answers."""

    name: str
    family: str
    endpoints: frozenset[str]
    sizes: tuple[str, ...]
    default_size: str
    n_min: int
    n_max: int
    max_prompt_chars: int
    qualities: tuple[str, ...]
    default_quality: str
    styles: tuple[str, ...]
    accepts_response_format: bool
    default_response_format: str
    output_formats: tuple[str, ...]
    backgrounds: tuple[str, ...]
    revised_prompt: bool
    usage: bool
    streaming: bool
    max_input_images: int
    input_formats: tuple[str, ...]
    max_input_bytes: int
    square_input: bool

    def supports(self, endpoint: str) -> bool:
        return endpoint in self.endpoints


_DALL_E_2 = ModelRules(
    name="dall-e-2",
    family="dall-e-2",
    endpoints=frozenset({"generations", "edits", "variations"}),
    sizes=("256x256", "512x512", "1024x1024"),
    default_size="1024x1024",
    n_min=1,
    n_max=10,
    max_prompt_chars=1000,
    qualities=("standard",),
    default_quality="standard",
    styles=(),
    accepts_response_format=True,
    default_response_format="url",
    output_formats=("png",),
    backgrounds=(),
    revised_prompt=False,
    usage=False,
    streaming=False,
    max_input_images=1,
    input_formats=("png",),
    max_input_bytes=4 * MB,
    square_input=True,
)

_DALL_E_3 = ModelRules(
    name="dall-e-3",
    family="dall-e-3",
    endpoints=frozenset({"generations"}),
    sizes=("1024x1024", "1792x1024", "1024x1792"),
    default_size="1024x1024",
    n_min=1,
    n_max=1,
    max_prompt_chars=4000,
    qualities=("standard", "hd"),
    default_quality="standard",
    styles=("vivid", "natural"),
    accepts_response_format=True,
    default_response_format="url",
    output_formats=("png",),
    backgrounds=(),
    revised_prompt=True,
    usage=False,
    streaming=False,
    max_input_images=0,
    input_formats=(),
    max_input_bytes=0,
    square_input=False,
)


def _gpt_image(name: str) -> ModelRules:
    return ModelRules(
        name=name,
        family="gpt-image",
        endpoints=frozenset({"generations", "edits"}),
        sizes=("1024x1024", "1536x1024", "1024x1536", "auto"),
        default_size="auto",
        n_min=1,
        n_max=10,
        max_prompt_chars=32000,
        qualities=("low", "medium", "high", "auto"),
        default_quality="auto",
        styles=(),
        accepts_response_format=False,
        default_response_format="b64_json",
        output_formats=("png", "jpeg", "webp"),
        backgrounds=("transparent", "opaque", "auto"),
        revised_prompt=False,
        usage=True,
        streaming=True,
        max_input_images=16,
        input_formats=("png", "jpeg", "webp"),
        max_input_bytes=25 * MB,
        square_input=False,
    )


MODELS: Mapping[str, ModelRules] = {
    rules.name: rules
    for rules in (
        _DALL_E_2,
        _DALL_E_3,
        _gpt_image("gpt-image-1"),
        _gpt_image("gpt-image-1-mini"),
        _gpt_image("gpt-image-1.5"),
    )
}

GPT_IMAGE_AUTO_SIZE = "1024x1024"
"""The size a GPT image model picks for `size: auto` in the sandbox."""

GPT_IMAGE_ONLY_PARAMS = frozenset(
    {"background", "output_format", "output_compression", "stream", "partial_images", "moderation", "input_fidelity"}
)
"""Parameters whose presence makes an edit without `model` default to a GPT image model."""

GPT_IMAGE_DEFAULT_MODEL = "gpt-image-1"

MAX_PARTIAL_IMAGES = 3

URL_LIFETIME_SECONDS = 60 * 60
"""Image URLs expire an hour after generation (Images guide)."""

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


def model_rules(name: str) -> ModelRules | None:
    """The rules of a model, or None for a model the API does not know."""
    return MODELS.get(name)


def parse_size(size: str) -> tuple[int, int] | None:
    """`"1024x768"` -> (1024, 768); None for `auto` or anything malformed."""
    width, sep, height = size.partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        return None
    return int(width), int(height)


def resolved_size(rules: ModelRules, size: str | None) -> str:
    """The size an answer is made at: the default when absent, `auto` picked for GPT image models."""
    size = size or rules.default_size
    return GPT_IMAGE_AUTO_SIZE if size == "auto" else size


def latency_profile(endpoint: str, size: str | None) -> tuple[float, float]:
    """The seed's (fastest, slowest) seconds for an endpoint at a size."""
    low, high = SEED_LATENCY_SECONDS[endpoint]
    factor = SIZE_LATENCY_FACTOR.get(size or "", 1.0)
    return low * factor, high * factor
