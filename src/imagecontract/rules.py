"""The Images API's documented rules, as data.

This module is the single place a model limit, size table, latency figure or
default lives. The sandbox validates requests against it and the contract
checks judge responses against it, so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Callable, Collection, Mapping

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


GPT_IMAGE_FAMILY = "gpt-image"


def _gpt_image(name: str) -> ModelRules:
    return ModelRules(
        name=name,
        family=GPT_IMAGE_FAMILY,
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

RATE_LIMIT_WINDOW_SECONDS = 60.0

RESPONSE_FORMATS = ("url", "b64_json")

ENDPOINT_PARAMS: Mapping[str, frozenset[str]] = {
    "generations": frozenset(
        {
            "prompt", "model", "n", "size", "response_format", "quality", "style", "user",
            "background", "output_format", "output_compression", "stream", "partial_images",
            "moderation", "safety_identifier",
        }
    ),
    "edits": frozenset(
        {
            "prompt", "model", "n", "size", "response_format", "quality", "user",
            "background", "output_format", "output_compression", "stream", "partial_images",
            "input_fidelity", "safety_identifier",
        }
    ),
    "variations": frozenset({"model", "n", "size", "response_format", "user"}),
}
"""The body parameters (file fields aside) each endpoint accepts; any other is an unknown parameter."""

ENDPOINT_FILES: Mapping[str, frozenset[str]] = {
    "generations": frozenset(),
    "edits": frozenset({"image", "image[]", "mask"}),
    "variations": frozenset({"image"}),
}
"""The multipart file fields each endpoint reads; `image[]` is the GPT image models' list form."""

PARAM_TYPES: Mapping[str, type] = {
    "prompt": str, "model": str, "n": int, "size": str, "response_format": str, "quality": str,
    "style": str, "user": str, "background": str, "output_format": str, "output_compression": int,
    "stream": bool, "partial_images": int, "moderation": str, "input_fidelity": str,
    "safety_identifier": str,
}

PARAM_CHOICES: Mapping[str, Callable[[ModelRules], tuple[str, ...]]] = {
    "size": attrgetter("sizes"),
    "quality": attrgetter("qualities"),
    "style": attrgetter("styles"),
    "background": attrgetter("backgrounds"),
    "output_format": attrgetter("output_formats"),
    "response_format": lambda rules: RESPONSE_FORMATS,
    "moderation": lambda rules: ("auto", "low"),
    "input_fidelity": lambda rules: ("high", "low"),
}
"""The values a model accepts for each enumerated parameter."""

PARAM_RANGES: Mapping[str, Callable[[ModelRules], tuple[int, int]]] = {
    "n": lambda rules: (rules.n_min, rules.n_max),
    "output_compression": lambda rules: (0, 100),
    "partial_images": lambda rules: (0, MAX_PARTIAL_IMAGES),
}
"""Inclusive (minimum, maximum) of each integer parameter."""

PARAM_SUPPORT: Mapping[str, Callable[[ModelRules], bool]] = {
    "response_format": attrgetter("accepts_response_format"),
    "style": lambda rules: bool(rules.styles),
    **{param: (lambda rules: rules.family == GPT_IMAGE_FAMILY) for param in GPT_IMAGE_ONLY_PARAMS},
}
"""Parameters only some models accept; sending one to another model is an unknown parameter."""

TRANSPARENT_FORMATS = ("png", "webp")
"""Output formats that can carry `background: transparent`."""

MAX_MASK_BYTES = 4 * MB
MASK_FORMATS = ("png",)

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


def resolved_quality(rules: ModelRules, quality: str | None) -> str:
    """The quality an answer is made at: the default when absent, `auto` picked for GPT image models."""
    quality = quality or rules.default_quality
    return GPT_IMAGE_AUTO_QUALITY if quality == "auto" else quality


def model_accepts(rules: ModelRules, param: str) -> bool:
    """Whether a model takes a parameter at all (see PARAM_SUPPORT)."""
    supported = PARAM_SUPPORT.get(param)
    return supported is None or supported(rules)


def latency_profile(endpoint: str, size: str | None) -> tuple[float, float]:
    """The seed's (fastest, slowest) seconds for an endpoint at a size."""
    low, high = SEED_LATENCY_SECONDS[endpoint]
    factor = SIZE_LATENCY_FACTOR.get(size or "", 1.0)
    return low * factor, high * factor


DEFAULT_N = 1
"""Images per request when `n` is absent."""

DEFAULT_OUTPUT_FORMAT = "png"
"""The file format of returned images when `output_format` is absent (every model)."""

MASK_EXACT_FAMILIES = frozenset({"dall-e-2"})
"""Families whose edits keep the pixels outside the mask; GPT image models use the mask only as guidance."""


def effective_model(params: Mapping[str, object], endpoint: str | None, file_fields: Collection[str] = ()) -> str:
    """The model that serves a request: its `model`, else a GPT image model when a GPT-only
    parameter (or the `image[]` list form) is present and that model serves the endpoint, else the default."""
    model = params.get("model")
    if model:
        return str(model)
    gpt_default = MODELS[GPT_IMAGE_DEFAULT_MODEL]
    gpt_hint = bool(GPT_IMAGE_ONLY_PARAMS & params.keys()) or "image[]" in file_fields
    if gpt_hint and (endpoint is None or gpt_default.supports(endpoint)):
        return gpt_default.name
    return DEFAULT_MODEL
