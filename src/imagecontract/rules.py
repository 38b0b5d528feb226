"""The Images API's documented rules, as dated data.

This module is the single place a model, its lifecycle, a limit, a size rule,
a parameter, a latency figure or a default lives. The sandbox validates
requests against it, the contract checks judge responses against it, and
`imagecontract drift` compares it with the official spec and SDK, so none of
them can disagree.

Every fact names its source (`SOURCES`): the official OpenAPI spec
(`openai/openai-openapi`, info.version 2.3.0; HEAD f85dbe2 of 2026-08-21, and
498c71d of 2025-04-29 for the seed era), the official Python SDK (`openai`
3.57.0, newer than that spec) and the seed documents. Where the spec and the
SDK disagree the table follows the SDK and lists the disagreement in
`DISAGREEMENTS`; where neither says, the table's choice is listed in
`ASSUMPTIONS`. "The API as of a date" is a query over the tables: `api_on(day)`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from operator import attrgetter
from typing import Callable, Collection, Iterable, Mapping

ENDPOINTS = ("generations", "edits", "variations")

MB = 1024 * 1024

# --- Sources -------------------------------------------------------------------------------------------

SDK = "openai 3.57.0"
SPEC = "openai-openapi 2.3.0 f85dbe2 (2026-08-21)"
SPEC_2026_05 = "openai-openapi 5162af9 (2026-05-13)"
SPEC_2025 = "openai-openapi 2.3.0 498c71d (2025-04-29)"
SPEC_2023 = "openai-openapi 802d487 (2023-11-06)"
SEED_POST = "seed post (shared/seeds/000): response `created: 1667860720` (2022-11-07)"
SEED_GUIDE = "seed Images guide (shared/seeds/003)"

SOURCES: Mapping[str, str] = {
    "sdk.model": f"{SDK} types/image_model.py",
    "sdk.generate": f"{SDK} types/image_generate_params.py",
    "sdk.edit": f"{SDK} types/image_edit_params.py",
    "sdk.variation": f"{SDK} types/image_create_variation_params.py, resources/images.py",
    "sdk.response": f"{SDK} types/images_response.py",
    "sdk.events": f"{SDK} types/image_gen_completed_event.py, image_edit_completed_event.py",
    "spec.generate": f"{SPEC} CreateImageRequest",
    "spec.edit": f"{SPEC} CreateImageEditRequest",
    "spec.edit_json": f"{SPEC} EditImageBodyJsonParam, ImageRefParam",
    "spec.response": f"{SPEC} ImagesResponse, ImageGenUsage",
    "spec.fidelity": f"{SPEC} InputFidelity",
    "spec.2025": f"{SPEC_2025} CreateImageRequest, CreateImageEditRequest, ImagesResponse",
    "spec.2026-05": f"{SPEC_2026_05}: first spec commit after a gap from 2025-06-17; first listing of the item",
    "spec.2023": f"{SPEC_2023}: first spec commit listing dall-e-3",
    "seed.post": SEED_POST,
    "seed.guide": SEED_GUIDE,
}
"""Every citation the tables use, by short key."""

# --- Dates -----------------------------------------------------------------------------------------------

SEED_ERA = date(2025, 6, 1)
"""The legacy profile: the API the seed's Postman collection and the bundled legacy collections were written for."""

EPOCH = date(2022, 11, 7)
"""The oldest documented day (the seed post's first response)."""

DALL_E_RETIRED = date(2026, 5, 12)
"""sdk.model: "dall-e-2", "dall-e-3": This model was retired on May 12, 2026."""

GPT_IMAGE_1_RETIRED = date(2026, 10, 23)
"""sdk.model: "GPT Image 1 was shut down on October 23, 2026."""

SPEC_2026_05_DAY = date(2026, 5, 13)
"""spec.2026-05: the first listing of streaming, JSON edits, gpt-image-1.5 and friends (an upper bound of their launch)."""

AFTER_SPEC = date(2026, 8, 22)
"""What only the SDK 3.57.0 documents, not the spec of 2026-08-21, is dated the day after that spec (a lower bound)."""

GPT_IMAGE_2_5_DAY = date(2026, 9, 8)
"""sdk.model: the `-2026-09-08` snapshots of gpt-image-2.5-sunburst and -flare."""

GPT_IMAGE_2_DAY = date(2026, 4, 21)
"""sdk.model: the `gpt-image-2-2026-04-21` snapshot."""


def today() -> date:
    """The day the API is served or judged as of when nobody names one."""
    return date.today()


def parse_day(text: str) -> date:
    """`2025-06-01` or `today`; ValueError saying what was expected otherwise."""
    if text.strip().lower() == "today":
        return today()
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date: expected YYYY-MM-DD (e.g. {SEED_ERA.isoformat()}) or 'today'") from None


# --- Lifecycles ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lifecycle:
    """When a model or endpoint was first documented, retired, and what replaces it."""

    released: date
    released_source: str
    retired: date | None = None
    retired_source: str = ""
    deprecated: date | None = None
    """None: the sources mark it deprecated without a date (or not at all)."""
    replacement: str = ""

    def status(self, day: date) -> str:
        """`unreleased`, `available` or `retired` on `day`."""
        if day < self.released:
            return "unreleased"
        if self.retired is not None and day >= self.retired:
            return "retired"
        return "available"

    def served_on(self, day: date) -> bool:
        return self.status(day) == "available"


# --- Sizes ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SizeRule:
    """Arbitrary `WIDTHxHEIGHT` sizes: divisible by, aspect range, largest edge and pixel count."""

    divisible_by: int
    min_aspect: Fraction
    max_aspect: Fraction
    max_edge: int
    max_pixels: int
    experimental_pixels: int
    source: str

    def problem(self, width: int, height: int) -> tuple[str, str] | None:
        """(`divisible`|`aspect`|`max_edge`|`max_pixels`, why) for a size the rule refuses, else None."""
        if width <= 0 or height <= 0 or width % self.divisible_by or height % self.divisible_by:
            return "divisible", f"width and height must both be divisible by {self.divisible_by}"
        aspect = Fraction(width, height)
        if not self.min_aspect <= aspect <= self.max_aspect:
            low, high = self.min_aspect, self.max_aspect
            return "aspect", f"the aspect ratio must be between {low.numerator}:{low.denominator} and {high.numerator}:{high.denominator}"
        if max(width, height) > self.max_edge:
            return "max_edge", f"the longest edge may be at most {self.max_edge} pixels"
        if width * height > self.max_pixels:
            return "max_pixels", f"at most {self.max_pixels} pixels ({MAX_RESOLUTION})"
        return None

    def allows(self, width: int, height: int) -> bool:
        return self.problem(width, height) is None


MAX_RESOLUTION = "3840x2160"

GPT_IMAGE_2_SIZES = SizeRule(
    divisible_by=16,
    min_aspect=Fraction(1, 3),
    max_aspect=Fraction(3, 1),
    max_edge=3840,
    max_pixels=3840 * 2160,
    experimental_pixels=2560 * 1440,
    source=f"{SOURCES['sdk.generate']} and {SOURCES['sdk.edit']} `size`: divisible by 16, aspect 1:3 to 3:1, "
           "above 2560x1440 experimental, at most 3840x2160 (read as 3840 px the longest edge and 3840*2160 pixels)",
)

STANDARD_GPT_SIZES = ("1024x1024", "1536x1024", "1024x1536")
"""sdk.generate `size`: "The standard sizes 1024x1024, 1536x1024, and 1024x1536 are supported by the GPT image models"."""


# --- Models --------------------------------------------------------------------------------------------------

DALL_E_2_FAMILY = "dall-e-2"
DALL_E_3_FAMILY = "dall-e-3"
GPT_IMAGE_FAMILY = "gpt-image"


@dataclass(frozen=True)
class ModelRules:
    """What one model accepts and how it answers, from `since` on (a later row of the same name supersedes it)."""

    name: str
    family: str
    lifecycle: Lifecycle
    since: date
    endpoints: frozenset[str]
    sizes: tuple[str, ...]
    """Listed sizes, `auto` included when the model sizes automatically."""
    default_size: str
    n_min: int
    n_max: int
    max_prompt_chars: int
    qualities: tuple[str, ...]
    default_quality: str
    auto_quality: str
    """What `quality: auto` resolves to in the sandbox (and what a response may report for it)."""
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
    size_rule: SizeRule | None = None
    auto_sizes: tuple[str, ...] = ()
    """The sizes `size: auto` may come back as; empty with a size rule means any size the rule allows."""
    input_fidelity: tuple[str, ...] = ()
    """Accepted `input_fidelity` values; empty: the model refuses the parameter."""
    json_edits: bool = False
    markup: bool = False
    sources: Mapping[str, str] = field(default_factory=dict)
    """Field name -> where the value comes from (a key of SOURCES, or a sentence)."""

    def supports(self, endpoint: str) -> bool:
        return endpoint in self.endpoints

    def source_of(self, rule: str) -> str:
        key = self.sources.get(rule, self.sources.get("*", ""))
        return SOURCES.get(key, key)

    def allows_size(self, size: str) -> bool:
        """A listed size, or a `WIDTHxHEIGHT` the model's size rule allows."""
        if size in self.sizes:
            return True
        pixels = parse_size(size)
        return self.size_rule is not None and pixels is not None and self.size_rule.allows(*pixels)

    def auto_answers(self, size: str) -> bool:
        """Whether an answer at `size` is a correct answer to `size: auto`."""
        if self.size_rule is not None and not self.auto_sizes:
            return self.allows_size(size)
        return size in self.auto_sizes


DALL_E_LIFECYCLE = dict(
    retired=DALL_E_RETIRED, retired_source=SOURCES["sdk.model"], replacement="gpt-image-1.5 or later",
)
"""sdk.model: "Use a GPT image model instead"; gpt-image-1.5 is the first of them the spec names as a default (spec.edit)."""

_DALL_E_2 = ModelRules(
    name="dall-e-2",
    family=DALL_E_2_FAMILY,
    lifecycle=Lifecycle(EPOCH, SOURCES["seed.post"], **DALL_E_LIFECYCLE),
    since=EPOCH,
    endpoints=frozenset({"generations", "edits", "variations"}),
    sizes=("256x256", "512x512", "1024x1024"),
    default_size="1024x1024",
    n_min=1,
    n_max=10,
    max_prompt_chars=1000,
    qualities=("standard", "auto"),
    default_quality="auto",
    auto_quality="standard",
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
    sources={"*": "spec.2025", "sizes": "seed.guide", "qualities": "spec.generate"},
)

_DALL_E_3 = ModelRules(
    name="dall-e-3",
    family=DALL_E_3_FAMILY,
    lifecycle=Lifecycle(date(2023, 11, 6), SOURCES["spec.2023"], **DALL_E_LIFECYCLE),
    since=date(2023, 11, 6),
    endpoints=frozenset({"generations"}),
    sizes=("1024x1024", "1792x1024", "1024x1792"),
    default_size="1024x1024",
    n_min=1,
    n_max=1,
    max_prompt_chars=4000,
    qualities=("standard", "hd", "auto"),
    default_quality="auto",
    auto_quality="standard",
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
    sources={"*": "spec.2025", "qualities": "spec.generate"},
)

GPT_INPUT_FORMATS = ("png", "jpeg", "webp")
GPT_OUTPUT_FORMATS = ("png", "jpeg", "webp")
ANIMATED_AND_VECTOR = ("gif", "svg")
GPT_QUALITIES = ("low", "medium", "high", "auto")
GPT_2_5_QUALITIES = ("low", "medium", "high", "xhigh", "max", "auto")
GPT_BACKGROUNDS = ("transparent", "opaque", "auto")


def _gpt_image(name: str, lifecycle: Lifecycle, since: date, **overrides: object) -> ModelRules:
    """A GPT image model as the SDK 3.57.0 describes them; `overrides` are what sets the model apart."""
    values: dict[str, object] = dict(
        name=name,
        family=GPT_IMAGE_FAMILY,
        lifecycle=lifecycle,
        since=since,
        endpoints=frozenset({"generations", "edits"}),
        sizes=(*STANDARD_GPT_SIZES, "auto"),
        default_size="auto",
        auto_sizes=STANDARD_GPT_SIZES,
        n_min=1,
        n_max=10,
        max_prompt_chars=32000,
        qualities=GPT_QUALITIES,
        default_quality="auto",
        auto_quality="medium",
        styles=(),
        accepts_response_format=False,
        default_response_format="b64_json",
        output_formats=GPT_OUTPUT_FORMATS,
        backgrounds=GPT_BACKGROUNDS,
        revised_prompt=False,
        usage=True,
        streaming=True,
        max_input_images=16,
        input_formats=GPT_INPUT_FORMATS,
        max_input_bytes=50 * MB,
        square_input=False,
        json_edits=True,
        sources={"*": "sdk.edit", "sizes": "sdk.generate", "qualities": "sdk.generate", "max_input_bytes": "sdk.edit",
                 "input_fidelity": "sdk.edit", "json_edits": "spec.edit_json", "output_formats": "sdk.generate"},
    )
    values.update(overrides)
    return ModelRules(**values)  # type: ignore[arg-type]


def _released(day: date, source: str, **retirement: object) -> Lifecycle:
    return Lifecycle(day, SOURCES.get(source, source), **retirement)  # type: ignore[arg-type]


GPT_IMAGE_1_LIFECYCLE = _released(
    date(2025, 4, 29), "spec.2025", retired=GPT_IMAGE_1_RETIRED, retired_source=SOURCES["sdk.model"],
    replacement="gpt-image-2.5-sunburst or gpt-image-2.5-flare",
)
SPEC_2026_05_LIFECYCLE = _released(SPEC_2026_05_DAY, "spec.2026-05")
GPT_IMAGE_2_LIFECYCLE = _released(GPT_IMAGE_2_DAY, "sdk.model: the snapshot gpt-image-2-2026-04-21")
GPT_IMAGE_2_5_LIFECYCLE = _released(GPT_IMAGE_2_5_DAY, "sdk.model: the -2026-09-08 snapshots")
GPT_IMAGE_2_6_LIFECYCLE = _released(AFTER_SPEC, f"{SOURCES['sdk.model']}; absent from {SPEC} (a lower bound)")

ARBITRARY = dict(size_rule=GPT_IMAGE_2_SIZES, auto_sizes=())
"""sdk.generate `size`: arbitrary resolutions for gpt-image-2 and gpt-image-2.5 (and their snapshots), not 2.6."""

_GPT_2_5 = dict(
    ARBITRARY, qualities=GPT_2_5_QUALITIES, output_formats=(*GPT_OUTPUT_FORMATS, *ANIMATED_AND_VECTOR), markup=True,
)
_GPT_2_6 = dict(output_formats=(*GPT_OUTPUT_FORMATS, *ANIMATED_AND_VECTOR))

MODEL_ROWS: tuple[ModelRules, ...] = (
    _DALL_E_2,
    _DALL_E_3,
    # gpt-image-1 as the seed era knew it: spec.2025 (edits: 25 MB inputs, no streaming, no input_fidelity).
    _gpt_image(
        "gpt-image-1", GPT_IMAGE_1_LIFECYCLE, date(2025, 4, 29),
        max_input_bytes=25 * MB, streaming=False, json_edits=False, input_fidelity=(),
        sources={"*": "spec.2025"},
    ),
    # ... and from the spec of 2026-05-13 on: 50 MB, streaming, input_fidelity (spec.fidelity), JSON edits.
    _gpt_image("gpt-image-1", GPT_IMAGE_1_LIFECYCLE, SPEC_2026_05_DAY, input_fidelity=("high", "low"),
               sources={"*": "spec.edit", "input_fidelity": "spec.fidelity", "json_edits": "spec.edit_json"}),
    _gpt_image("gpt-image-1-mini", SPEC_2026_05_LIFECYCLE, SPEC_2026_05_DAY, input_fidelity=("low",)),
    _gpt_image("gpt-image-1.5", SPEC_2026_05_LIFECYCLE, SPEC_2026_05_DAY, input_fidelity=("high", "low")),
    _gpt_image("chatgpt-image-latest", SPEC_2026_05_LIFECYCLE, SPEC_2026_05_DAY),
    _gpt_image("gpt-image-2", GPT_IMAGE_2_LIFECYCLE, GPT_IMAGE_2_DAY, **ARBITRARY),
    _gpt_image("gpt-image-2-2026-04-21", GPT_IMAGE_2_LIFECYCLE, GPT_IMAGE_2_DAY, **ARBITRARY),
    _gpt_image("gpt-image-2.5-sunburst", GPT_IMAGE_2_5_LIFECYCLE, GPT_IMAGE_2_5_DAY, **_GPT_2_5),
    _gpt_image("gpt-image-2.5-sunburst-2026-09-08", GPT_IMAGE_2_5_LIFECYCLE, GPT_IMAGE_2_5_DAY, **_GPT_2_5),
    _gpt_image("gpt-image-2.5-flare", GPT_IMAGE_2_5_LIFECYCLE, GPT_IMAGE_2_5_DAY, **_GPT_2_5),
    _gpt_image("gpt-image-2.5-flare-2026-09-08", GPT_IMAGE_2_5_LIFECYCLE, GPT_IMAGE_2_5_DAY, **_GPT_2_5),
    _gpt_image("gpt-image-2.6-sunburst", GPT_IMAGE_2_6_LIFECYCLE, AFTER_SPEC, **_GPT_2_6),
    _gpt_image("gpt-image-2.6-flare", GPT_IMAGE_2_6_LIFECYCLE, AFTER_SPEC, **_GPT_2_6),
)
"""Every model row, oldest first. A model's rules on a day are its latest row with `since` on or before that day."""

MODELS: Mapping[str, ModelRules] = {row.name: row for row in MODEL_ROWS}
"""Each model's newest rules, by name (retired models included: checks judge their recordings)."""

DISAGREEMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("models", f"{SPEC} lists gpt-image-1.5, gpt-image-2(-2026-04-21), gpt-image-1, gpt-image-1-mini, dall-e-2/3 "
               "(and chatgpt-image-latest on edits only)",
     f"{SDK} types/image_model.py adds gpt-image-2.5-sunburst/-flare (+ -2026-09-08), gpt-image-2.6-sunburst/-flare, "
     "and chatgpt-image-latest on generations; marks dall-e-2/3 and gpt-image-1 retired", "the SDK"),
    ("generations default model", f"{SPEC} CreateImageRequest: defaults to dall-e-2 unless a GPT-only parameter is used",
     f"{SDK} image_generate_params.py: 'Specify a model explicitly' (dall-e-2 retired 2026-05-12)",
     "the SDK: no default from 2026-05-12"),
    ("input_fidelity", f"{SPEC} InputFidelity: gpt-image-1, gpt-image-1.5 and later; unsupported for gpt-image-1-mini",
     f"{SDK} image_edit_params.py: high and low on gpt-image-1.5, only low on gpt-image-1-mini, omit for gpt-image-2",
     "the SDK"),
    ("quality / output_format / size values", f"{SPEC}: quality low|medium|high|auto (+ standard, hd), output_format "
     "png|jpeg|webp, response size one of 3", f"{SDK}: quality adds xhigh, max; output_format adds gif, svg; "
     "response size any WIDTHxHEIGHT", "the SDK"),
    ("parameters", f"{SPEC}: no complexity, frame_count, frame_duration_ms, svg, markup, safety_identifier on images",
     f"{SDK}: all of them", "the SDK (dated the day after the spec, a lower bound)"),
)
"""(what, the spec says, the SDK says, which the table follows)."""

ASSUMPTIONS: tuple[tuple[str, str], ...] = (
    ("gif and svg output on the gpt-image-2.5 and 2.6 models only",
     "the SDK says 'GIF and SVG output require a model that supports the selected format' without naming one; "
     "these are the models that arrived with the formats (absent from the spec of 2026-08-21)"),
    ("input_fidelity refused by chatgpt-image-latest and the gpt-image-2.x models",
     "the SDK names support on gpt-image-1.5 and gpt-image-1-mini only, and says to omit it for gpt-image-2"),
    ("released dates of gpt-image-1.5, gpt-image-1-mini and chatgpt-image-latest: 2026-05-13",
     "their first listing in the spec, whose history has a gap from 2025-06-17 to 2026-05-13 (an upper bound)"),
    ("the variations endpoint retired on 2026-05-12",
     "the SDK says the endpoint is retired without a date; its only model, dall-e-2, was retired on 2026-05-12"),
)
"""(choice, why): what the sources leave open and the table decides."""


def model_rules(name: str, as_of: date | None = None) -> ModelRules | None:
    """The rules of a model on a day (its newest rules when no day is given), or None for a name the table lacks
    (or a model not yet documented on that day)."""
    if as_of is None:
        return MODELS.get(name)
    rows = [row for row in MODEL_ROWS if row.name == name and row.since <= as_of]
    return rows[-1] if rows else None


# --- Endpoints and parameters ----------------------------------------------------------------------------------

EDITS_JSON = "edits.json"
"""JSON edits (`images: [{image_url} | {file_id}]`) as a body kind of their own: their parameters differ."""

ENDPOINT_LIFECYCLES: Mapping[str, Lifecycle] = {
    "generations": _released(EPOCH, "seed.guide"),
    "edits": _released(EPOCH, "seed.guide"),
    "variations": _released(EPOCH, "seed.guide", retired=DALL_E_RETIRED, retired_source=SOURCES["sdk.variation"],
                            replacement="/v1/images/edits with a GPT image model"),
}


@dataclass(frozen=True)
class Param:
    """One body parameter: where it is accepted, its type, since when, and whether only GPT image models take it."""

    name: str
    type: type
    where: frozenset[str]
    since: date
    source: str
    gpt_only: bool = False


def _param(name: str, kind: type, where: str, since: date, source: str, gpt_only: bool = False) -> Param:
    return Param(name, kind, frozenset(where.split()), since, SOURCES.get(source, source), gpt_only)


ALL = "generations edits edits.json variations"
PARAMS: tuple[Param, ...] = (
    _param("prompt", str, "generations edits edits.json", EPOCH, "seed.guide"),
    _param("model", str, ALL, EPOCH, "seed.guide"),
    _param("n", int, ALL, EPOCH, "seed.guide"),
    _param("size", str, ALL, EPOCH, "seed.guide"),
    _param("response_format", str, "generations edits variations", EPOCH, "seed.guide"),
    _param("user", str, ALL, EPOCH, "spec.2025"),
    _param("style", str, "generations", date(2023, 11, 6), "spec.2023"),
    _param("quality", str, "generations", date(2023, 11, 6), "spec.2023"),
    _param("quality", str, "edits", date(2025, 4, 29), "spec.2025"),
    _param("background", str, "generations", date(2025, 4, 29), "spec.2025", gpt_only=True),
    _param("output_format", str, "generations", date(2025, 4, 29), "spec.2025", gpt_only=True),
    _param("output_compression", int, "generations", date(2025, 4, 29), "spec.2025", gpt_only=True),
    _param("moderation", str, "generations", date(2025, 4, 29), "spec.2025", gpt_only=True),
    _param("background", str, "edits edits.json", SPEC_2026_05_DAY, "spec.edit", gpt_only=True),
    _param("output_format", str, "edits edits.json", SPEC_2026_05_DAY, "spec.edit", gpt_only=True),
    _param("output_compression", int, "edits edits.json", SPEC_2026_05_DAY, "spec.edit", gpt_only=True),
    _param("quality", str, "edits.json", SPEC_2026_05_DAY, "spec.edit_json"),
    _param("moderation", str, "edits.json", SPEC_2026_05_DAY, "spec.edit_json", gpt_only=True),
    _param("stream", bool, "generations edits edits.json", SPEC_2026_05_DAY, "spec.2026-05", gpt_only=True),
    _param("partial_images", int, "generations edits edits.json", SPEC_2026_05_DAY, "spec.2026-05", gpt_only=True),
    _param("input_fidelity", str, "edits edits.json", SPEC_2026_05_DAY, "spec.2026-05", gpt_only=True),
    _param("images", list, "edits.json", SPEC_2026_05_DAY, "spec.edit_json", gpt_only=True),
    _param("mask", dict, "edits.json", SPEC_2026_05_DAY, "spec.edit_json", gpt_only=True),
    _param("safety_identifier", str, "generations edits", AFTER_SPEC, "sdk.generate"),
    _param("complexity", str, "generations edits", AFTER_SPEC, "sdk.generate", gpt_only=True),
    _param("frame_count", int, "generations edits", AFTER_SPEC, "sdk.generate", gpt_only=True),
    _param("frame_duration_ms", int, "generations edits", AFTER_SPEC, "sdk.generate", gpt_only=True),
    _param("svg", dict, "generations edits", AFTER_SPEC, "sdk.generate", gpt_only=True),
)
"""Every body parameter (multipart file fields aside), dated by the first source that documents it there."""

FILE_FIELDS: tuple[tuple[str, str, date, str], ...] = (
    ("image", "edits variations", EPOCH, "seed.guide"),
    ("mask", "edits", EPOCH, "seed.guide"),
    ("image[]", "edits", date(2025, 4, 29), "spec.2025"),
    ("markup", "edits", AFTER_SPEC, "sdk.edit"),
)
"""(field, endpoints, since, source): the multipart file fields; `image[]` is the GPT image models' list form."""

RESPONSE_FIELDS: tuple[tuple[str, date, str], ...] = (
    ("created", EPOCH, "seed.post"),
    ("data", EPOCH, "seed.post"),
    ("usage", date(2025, 4, 29), "spec.2025"),
    ("background", SPEC_2026_05_DAY, "spec.response"),
    ("output_format", SPEC_2026_05_DAY, "spec.response"),
    ("quality", SPEC_2026_05_DAY, "spec.response"),
    ("size", SPEC_2026_05_DAY, "spec.response"),
    ("usage.output_tokens_details", SPEC_2026_05_DAY, "spec.response"),
    ("safety_identifier", AFTER_SPEC, "sdk.response"),
    ("svg_usage", AFTER_SPEC, "sdk.response"),
)
"""(field, since, source): what a GPT image model's answer carries (DALL·E answers carry created and data only)."""

DEFAULT_MODELS: tuple[tuple[str, date, str | None, str | None, str], ...] = (
    ("generations", EPOCH, "dall-e-2", "gpt-image-1", "spec.2025"),
    ("generations", DALL_E_RETIRED, None, None, "sdk.generate"),
    ("edits", EPOCH, "dall-e-2", "gpt-image-1", "spec.2025"),
    ("edits", SPEC_2026_05_DAY, "gpt-image-1.5", "gpt-image-1.5", "spec.edit"),
    ("variations", EPOCH, "dall-e-2", "dall-e-2", "spec.2025"),
)
"""(endpoint, since, default model, default when a GPT-only parameter is sent, source). None: no default
(the SDK says to specify a model explicitly)."""

PARAM_CHOICES: Mapping[str, Callable[[ModelRules], tuple[str, ...]]] = {
    "quality": attrgetter("qualities"),
    "style": attrgetter("styles"),
    "background": attrgetter("backgrounds"),
    "output_format": attrgetter("output_formats"),
    "response_format": lambda rules: RESPONSE_FORMATS,
    "moderation": lambda rules: ("auto", "low"),
    "input_fidelity": attrgetter("input_fidelity"),
    "complexity": lambda rules: ("low", "medium", "high"),
}
"""The values a model accepts for each enumerated parameter (`size` has its own rule: `ModelRules.allows_size`)."""

SVG_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
"""sdk.generate SvgReasoning.effort."""

MAX_PARTIAL_IMAGES = 3

GIF_FRAMES = (2, 16)
GIF_DEFAULT_FRAMES = 9
GIF_DEFAULT_FRAME_MS = 200
GIF_FRAME_MS_STEP = 10
GIF_MAX_FRAME_MS = 655_350
"""sdk.generate `frame_count` (2-16, default 9) and `frame_duration_ms` (default 200, rounded to 10 ms, capped at
655,350 ms per frame)."""

PARAM_RANGES: Mapping[str, Callable[[ModelRules], tuple[int, int]]] = {
    "n": lambda rules: (rules.n_min, rules.n_max),
    "output_compression": lambda rules: (0, 100),
    "partial_images": lambda rules: (0, MAX_PARTIAL_IMAGES),
    "frame_count": lambda rules: GIF_FRAMES,
    "frame_duration_ms": lambda rules: (1, 10 ** 9),
}
"""Inclusive (minimum, maximum) of each integer parameter."""

FORMAT_ONLY_PARAMS: Mapping[str, str] = {"frame_count": "gif", "frame_duration_ms": "gif", "svg": "svg"}
"""Parameters only an output format takes (sdk.generate: "Only supported with output_format=gif", svg likewise)."""

FORMAT_REFUSES: Mapping[str, tuple[str, ...]] = {
    "gif": ("stream", "partial_images", "mask", "output_compression"),
    "svg": ("stream", "partial_images", "output_compression"),
}
"""sdk.generate: GIF output does not support streaming, partial images, masks or custom compression; SVG output
requires n=1 and does not support streaming, partial images or output compression."""

FORMAT_MAX_N: Mapping[str, int] = {"svg": 1}

PARAM_SUPPORT: Mapping[str, Callable[[ModelRules], bool]] = {
    "response_format": attrgetter("accepts_response_format"),
    "style": lambda rules: bool(rules.styles),
    "input_fidelity": lambda rules: bool(rules.input_fidelity),
    "markup": attrgetter("markup"),
}
"""Parameters only some models accept (besides the GPT-only ones of PARAMS)."""

TRANSPARENT_FORMATS = ("png", "webp")
"""Output formats that can carry `background: transparent` (sdk.generate: "set the output format to png or webp")."""

MAX_MASK_BYTES = 4 * MB
MASK_FORMATS = ("png",)
MAX_IMAGE_URL_CHARS = 20_971_520
"""spec.edit_json ImageRefParam.image_url maxLength (a data: URL counts every character)."""

RESPONSE_FORMATS = ("url", "b64_json")


@dataclass(frozen=True)
class ApiView:
    """The API as of one day: which models and endpoints it serves, which parameters it takes, its defaults.

    `still_serves` names retired models and endpoints served anyway, as a gateway routing them elsewhere does."""

    day: date
    still_serves: frozenset[str] = frozenset()

    def model(self, name: str) -> tuple[ModelRules | None, str]:
        """(rules on the day, status): status `unknown`, `unreleased`, `available` or `retired`."""
        newest = MODELS.get(name)
        if newest is None:
            return None, "unknown"
        status = newest.lifecycle.status(self.day)
        if status == "retired" and name in self.still_serves:
            return model_rules(name, self.day), "available"
        return model_rules(name, self.day), status

    def models(self, endpoint: str | None = None) -> list[ModelRules]:
        """The models served on the day (on `endpoint`, when given)."""
        served = [self.model(name) for name in MODELS]
        return [rules for rules, status in served
                if rules is not None and status == "available" and (endpoint is None or rules.supports(endpoint))]

    def endpoint_status(self, endpoint: str) -> str:
        status = ENDPOINT_LIFECYCLES[endpoint].status(self.day)
        return "available" if status == "retired" and endpoint in self.still_serves else status

    def params(self, where: str) -> dict[str, Param]:
        """The parameters of a body kind (`generations`, `edits`, `edits.json`, `variations`) on the day."""
        return {param.name: param for param in PARAMS if where in param.where and param.since <= self.day}

    def file_fields(self, endpoint: str) -> frozenset[str]:
        return frozenset(name for name, where, since, _ in FILE_FIELDS if endpoint in where.split() and since <= self.day)

    def default_model(self, endpoint: str | None, gpt_hint: bool) -> str | None:
        """The model a request without `model` gets; None when the API wants one named."""
        rows = [row for row in DEFAULT_MODELS if row[0] == (endpoint or "generations") and row[1] <= self.day]
        if not rows:
            return None
        _, _, plain, hinted, _ = rows[-1]
        return hinted if gpt_hint else plain

    def response_fields(self) -> frozenset[str]:
        return frozenset(name for name, since, _ in RESPONSE_FIELDS if since <= self.day)

    @property
    def gpt_only_params(self) -> frozenset[str]:
        return frozenset(param.name for param in PARAMS if param.gpt_only and param.since <= self.day)


def api_on(day: date | None = None, still_serves: Iterable[str] = ()) -> ApiView:
    """The API as of `day` (today when None), serving the retired models and endpoints of `still_serves` anyway."""
    return ApiView(day or today(), frozenset(still_serves))


def all_param_names(where: str | None = None) -> frozenset[str]:
    """Every parameter the table has ever known (at `where`), for type coercion and the drift report."""
    return frozenset(param.name for param in PARAMS if where is None or where in param.where)


PARAM_TYPES: Mapping[str, type] = {param.name: param.type for param in PARAMS}

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
