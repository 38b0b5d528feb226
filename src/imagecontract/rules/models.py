"""Models: each row's lifecycle, sizes, qualities, formats and inputs, by the day it took effect."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Mapping

from imagecontract.rules.sizes import GPT_IMAGE_2_SIZES, STANDARD_GPT_SIZES, SizeRule, parse_size
from imagecontract.rules.sources import (
    AFTER_SPEC,
    DALL_E_RETIRED,
    EPOCH,
    GPT_IMAGE_1_RETIRED,
    GPT_IMAGE_2_5_DAY,
    GPT_IMAGE_2_DAY,
    MB,
    SDK,
    SOURCES,
    SPEC,
    SPEC_2026_05_DAY,
)

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
