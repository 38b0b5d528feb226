"""Endpoints and parameters by the day they appeared, and `api_on(day)`: the API of a day as one view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Callable, Iterable, Mapping

from imagecontract.rules.models import MODELS, Lifecycle, ModelRules, _released, model_rules
from imagecontract.rules.sources import AFTER_SPEC, DALL_E_RETIRED, EPOCH, MB, SOURCES, SPEC_2026_05_DAY, today

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
