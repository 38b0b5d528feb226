"""`imagecontract drift`: has the API moved away from the rules table?

The rules table says, for any day, which models, values, parameters and limits the API has; from that it
derives what each official source should list (`expected`): the OpenAPI spec as of its date (every model
documented by then, retired ones included, as the spec keeps them), and the SDK as the newest source. What a
source really lists is read from it (`from_spec`, `from_sdk`), and every difference is one line, so a user
notices that the API moved before the suite judges it by old rules.

Facts are named `WHERE.WHAT` (`generations.quality`, `response.size`, `edits.params`, `n`): a set of strings,
or a range written `LOW..HIGH`.
"""

from __future__ import annotations

import importlib
import typing
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from imagecontract import rules
from imagecontract.errors import ImageContractError

Facts = dict[str, Any]

BODIES = ("generations", "edits", rules.EDITS_JSON, "variations")

LISTING_EXCEPTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("spec", "generations.model", "chatgpt-image-latest",
     "the spec names it on edits only; the SDK 3.57.0 on generations too, which the table follows"),
)
"""(source, fact, value, why): a value the table has that a source does not list, known and explained
(rules.DISAGREEMENTS)."""


class DriftInputError(ImageContractError):
    """A spec file that cannot be read as an OpenAPI document, or an SDK that is not installed."""


# --- What the table says each source lists --------------------------------------------------------------------


def _listed(day: date | None) -> list[rules.ModelRules]:
    """Every model documented by `day` (all when None), at its rules of that day, retired ones included."""
    rows = [rules.model_rules(name, day) for name in rules.MODELS] if day else list(rules.MODELS.values())
    return [row for row in rows if row is not None and (day is None or row.lifecycle.released <= day)]


def _union(values: Iterable[Iterable[str]]) -> frozenset[str]:
    return frozenset(value for group in values for value in group)


def _range(low: int, high: int) -> str:
    return f"{low}..{high}"


def expected(source: str, day: date | None = None) -> Facts:
    """What `source` (`spec` or `sdk`) should list by the rules table, the spec as of its `day`."""
    models = _listed(day)
    api = rules.api_on(day or rules.today())
    gpt = [model for model in models if model.family == rules.GPT_IMAGE_FAMILY]
    body_models = {
        "generations": [m for m in models if m.supports("generations")],
        "edits": [m for m in models if m.supports("edits")],
        rules.EDITS_JSON: [m for m in models if m.supports("edits") and m.json_edits],
        "variations": [m for m in models if m.supports("variations")],
    }
    facts: Facts = {}
    for body, served in body_models.items():
        params = set(api.params(body)) if day else set(rules.all_param_names(body))
        if body in ("edits", "variations"):
            params |= {name for name, where, since, _ in rules.FILE_FIELDS
                       if body in where.split() and name != "image[]" and (day is None or since <= day)}
        facts[f"{body}.params"] = frozenset(params)
        facts[f"{body}.model"] = frozenset(m.name for m in served)
        facts[f"{body}.size"] = _union(m.sizes for m in served)
        if "quality" in params:
            facts[f"{body}.quality"] = _union(m.qualities for m in served)
        if "output_format" in params:
            facts[f"{body}.output_format"] = _union(m.output_formats for m in served)
    concrete = _union(m.qualities for m in gpt) - {"auto"}
    facts["response.quality"] = concrete
    facts["response.output_format"] = _union(m.output_formats for m in gpt)
    facts["response.size"] = frozenset(rules.STANDARD_GPT_SIZES)
    streamable = _union(m.output_formats for m in gpt) - {fmt for fmt, refused in rules.FORMAT_REFUSES.items()
                                                           if "stream" in refused}
    facts["event.output_format"] = streamable
    facts["event.quality"] = concrete | {"auto"}
    facts["background"] = _union(m.backgrounds for m in gpt)
    facts["input_fidelity"] = _union(m.input_fidelity for m in gpt)
    facts["n"] = _range(min(m.n_min for m in models), max(m.n_max for m in models))
    facts["partial_images"] = _range(0, rules.MAX_PARTIAL_IMAGES)
    facts["input_images"] = str(max(m.max_input_images for m in models))
    if source == "sdk":
        facts["response.fields"] = frozenset(name for name, since, _ in rules.RESPONSE_FIELDS if "." not in name)
        facts["complexity"] = frozenset(rules.PARAM_CHOICES["complexity"](gpt[0]))
        facts["svg.effort"] = frozenset(rules.SVG_EFFORTS)
        for name in ("n", "partial_images", "input_images"):
            del facts[name]
    else:
        facts["edits.json.prompt"] = str(max(m.max_prompt_chars for m in body_models[rules.EDITS_JSON]))
        facts["image_url"] = str(rules.MAX_IMAGE_URL_CHARS)
    for fact_source, fact, value, _ in LISTING_EXCEPTIONS:
        if fact_source == source and isinstance(facts.get(fact), frozenset):
            facts[fact] = facts[fact] - {value}
    return facts


# --- What the spec lists ---------------------------------------------------------------------------------------


def _resolve(spec: Mapping[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = spec["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _enums(spec: Mapping[str, Any], node: Any) -> frozenset[str]:
    """Every enum value reachable in a property schema (through $ref, anyOf, oneOf)."""
    node = _resolve(spec, node)
    if not isinstance(node, dict):
        return frozenset()
    found = {value for value in node.get("enum", []) if isinstance(value, str)}
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in node.get(key, []):
            found |= _enums(spec, branch)
    return frozenset(found)


def _bounds(spec: Mapping[str, Any], node: Any, low: str, high: str) -> tuple[Any, Any]:
    node = _resolve(spec, node)
    if not isinstance(node, dict):
        return None, None
    if low in node or high in node:
        return node.get(low), node.get(high)
    for key in ("anyOf", "oneOf"):
        for branch in node.get(key, []):
            found = _bounds(spec, branch, low, high)
            if found != (None, None):
                return found
    return None, None


SPEC_BODIES = {"generations": "CreateImageRequest", "edits": "CreateImageEditRequest",
               rules.EDITS_JSON: "EditImageBodyJsonParam", "variations": "CreateImageVariationRequest"}


def from_spec(spec: Mapping[str, Any]) -> Facts:
    """The facts an OpenAPI document lists for the images endpoints."""
    try:
        schemas = spec["components"]["schemas"]
        bodies = {body: schemas[name]["properties"] for body, name in SPEC_BODIES.items()}
        response = schemas["ImagesResponse"]["properties"]
        event = schemas["ImageGenCompletedEvent"]["properties"]
    except (KeyError, TypeError) as exc:
        raise DriftInputError(f"not an OpenAPI document of the images API: no {exc}") from None
    facts: Facts = {}
    for body, properties in bodies.items():
        facts[f"{body}.params"] = frozenset(properties)
        facts[f"{body}.model"] = _enums(spec, properties.get("model"))
        facts[f"{body}.size"] = _enums(spec, properties.get("size"))
        for name in ("quality", "output_format"):
            if name in properties:
                facts[f"{body}.{name}"] = _enums(spec, properties[name])
    facts["response.quality"] = _enums(spec, response.get("quality"))
    facts["response.output_format"] = _enums(spec, response.get("output_format"))
    facts["response.size"] = _enums(spec, response.get("size"))
    facts["event.output_format"] = _enums(spec, event.get("output_format"))
    facts["event.quality"] = _enums(spec, event.get("quality"))
    facts["background"] = _enums(spec, bodies["generations"].get("background"))
    facts["input_fidelity"] = _enums(spec, bodies["edits"].get("input_fidelity"))
    facts["n"] = _range(*_bounds(spec, bodies["generations"].get("n"), "minimum", "maximum"))
    facts["partial_images"] = _range(*_bounds(spec, bodies["generations"].get("partial_images"), "minimum", "maximum"))
    facts["input_images"] = str(_bounds(spec, bodies[rules.EDITS_JSON].get("images"), "minItems", "maxItems")[1])
    facts["edits.json.prompt"] = str(_bounds(spec, bodies[rules.EDITS_JSON].get("prompt"), "minLength", "maxLength")[1])
    image_ref = _resolve(spec, {"$ref": "#/components/schemas/ImageRefParam"}) if "ImageRefParam" in schemas else {}
    facts["image_url"] = str(_bounds(spec, image_ref.get("properties", {}).get("image_url"), "minLength", "maxLength")[1])
    return facts


def spec_day(spec: Mapping[str, Any]) -> date:
    """The day a spec document describes: its vendored date (`x-vendored.date`), else today's."""
    text = (spec.get("x-vendored") or {}).get("date")
    try:
        return date.fromisoformat(str(text)) if text else rules.today()
    except ValueError:
        raise DriftInputError(f"x-vendored.date {text!r} is not a day (YYYY-MM-DD)") from None


def read_spec(path: Path) -> dict[str, Any]:
    import yaml

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DriftInputError(f"{path}: cannot read the spec ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise DriftInputError(f"{path}: not YAML or JSON: {str(exc).splitlines()[0]}") from None
    if not isinstance(document, dict):
        raise DriftInputError(f"{path}: expected an OpenAPI document (a mapping), got {type(document).__name__}")
    return document


# --- What the SDK lists ----------------------------------------------------------------------------------------


def literals(annotation: Any) -> frozenset[str]:
    """Every string of every `Literal[...]` inside a type (through Union, Optional, Required, lists)."""
    if typing.get_origin(annotation) is typing.Literal:
        return frozenset(value for value in typing.get_args(annotation) if isinstance(value, str))
    return frozenset(value for arg in typing.get_args(annotation) for value in literals(arg))


def _hints(owner: Any) -> dict[str, Any]:
    return typing.get_type_hints(owner, include_extras=True)


SDK_BODIES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "generations": ("openai.types.image_generate_params", ("ImageGenerateParamsBase", "ImageGenerateParamsStreaming")),
    "edits": ("openai.types.image_edit_params", ("ImageEditParamsBase", "ImageEditParamsStreaming")),
    "variations": ("openai.types.image_create_variation_params", ("ImageCreateVariationParams",)),
}


def from_sdk(load: Callable[[str], Any] = importlib.import_module) -> Facts:
    """The facts the installed `openai` SDK's types list."""
    try:
        model_literal = load("openai.types.image_model").ImageModel
        response = load("openai.types.images_response").ImagesResponse
        event = load("openai.types.image_gen_completed_event").ImageGenCompletedEvent
        generate = load("openai.types.image_generate_params")
    except ImportError as exc:
        raise DriftInputError(f"the openai SDK is not installed ({exc}); pip install openai, or give --spec only") from None
    facts: Facts = {}
    for body, (module, names) in SDK_BODIES.items():
        hints: dict[str, Any] = {}
        for name in names:
            hints.update(_hints(getattr(load(module), name)))
        facts[f"{body}.params"] = frozenset(hints)
        facts[f"{body}.size"] = literals(hints["size"])
        for name in ("quality", "output_format"):
            if name in hints:
                facts[f"{body}.{name}"] = literals(hints[name])
    facts["models"] = literals(model_literal)
    fields = response.model_fields
    facts["response.fields"] = frozenset(fields)
    facts["response.quality"] = literals(fields["quality"].annotation)
    facts["response.output_format"] = literals(fields["output_format"].annotation)
    facts["response.size"] = literals(fields["size"].annotation)
    event_fields = event.model_fields
    facts["event.output_format"] = literals(event_fields["output_format"].annotation)
    facts["event.quality"] = literals(event_fields["quality"].annotation)
    generate_hints = _hints(generate.ImageGenerateParamsBase)
    facts["background"] = literals(generate_hints["background"])
    facts["input_fidelity"] = literals(_hints(load("openai.types.image_edit_params").ImageEditParamsBase)["input_fidelity"])
    facts["complexity"] = literals(generate_hints["complexity"])
    facts["svg.effort"] = literals(_hints(generate.SvgReasoning)["effort"])
    return facts


def _sdk_expected() -> Facts:
    """What the SDK should list: per body its parameters and values; its one ImageModel literal holds every model
    it ever had (retired ones with their notes), and it has no types of its own for JSON edits."""
    facts = {key: value for key, value in expected("sdk").items()
             if not key.endswith(".model") and not key.startswith(f"{rules.EDITS_JSON}.")}
    facts["models"] = frozenset(rules.MODELS)
    return facts


# --- Comparing -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    source: str
    fact: str
    text: str

    def __str__(self) -> str:
        return f"{self.source}: {self.fact}: {self.text}"


def compare(source: str, table: Facts, found: Facts) -> list[Difference]:
    """One difference per value a source has that the table lacks, or lacks that the table has."""
    differences = []
    for fact in sorted(set(table) | set(found)):
        mine, theirs = table.get(fact), found.get(fact)
        if isinstance(mine, frozenset) and isinstance(theirs, frozenset):
            differences += [Difference(source, fact, f"{value} is new (the rules table lacks it)") for value in sorted(theirs - mine)]
            differences += [Difference(source, fact, f"{value} is gone (the rules table still has it)") for value in sorted(mine - theirs)]
        elif mine != theirs:
            differences.append(Difference(source, fact, f"{theirs} (the rules table says {mine})"))
    return differences


def drift(spec_path: Path | None = None, sdk: bool = False) -> list[Difference]:
    """Every difference between the rules table and a spec file and/or the installed SDK."""
    differences: list[Difference] = []
    if spec_path is not None:
        spec = read_spec(spec_path)
        try:
            found = from_spec(spec)
        except DriftInputError as exc:
            raise DriftInputError(f"{spec_path}: {exc}") from None
        label = f"spec {spec_path.name} ({spec.get('info', {}).get('version', '?')}, {spec_day(spec).isoformat()})"
        differences += compare(label, expected("spec", spec_day(spec)), found)
    if sdk:
        version = getattr(importlib.import_module("openai"), "__version__", "?") if _installed() else "?"
        differences += compare(f"sdk openai {version}", _sdk_expected(), from_sdk())
    return differences


def _installed() -> bool:
    try:
        importlib.import_module("openai")
    except ImportError:
        return False
    return True
