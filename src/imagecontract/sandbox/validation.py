"""An HTTP request to an Images endpoint -> a validated `ImageRequest`, or an `ApiError`.

Every limit comes from `imagecontract.rules` as of the sandbox's day; every message from `messages`.
`build` is pure (fields and file bytes in), so it is testable without HTTP.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from imagecontract import rules
from imagecontract.rules import ApiView, ModelRules
from imagecontract.sandbox import references
from imagecontract.sandbox.files import FileStore
from imagecontract.sandbox.messages import ApiError, quoted_list
from imagecontract.sandbox.upload_checks import IMAGE_FIELDS, Upload, check_uploads


@dataclass(frozen=True)
class ImageRequest:
    """What to answer: the reported values (`size`, `output_format`) and what is actually rendered
    (`pixels`, `encoding`) are kept apart so faults can make them disagree."""

    endpoint: str
    model: ModelRules
    prompt: str
    n: int
    size: str
    pixels: tuple[int, int]
    response_format: str
    quality: str
    style: str | None
    background: str
    output_format: str
    encoding: str
    output_compression: int | None
    stream: bool
    partial_images: int
    images: tuple[Upload, ...] = ()
    mask: Upload | None = None
    frame_count: int = rules.GIF_DEFAULT_FRAMES
    frame_duration_ms: int = rules.GIF_DEFAULT_FRAME_MS
    complexity: str | None = None
    safety_identifier: str | None = None
    svg: Mapping[str, Any] | None = None
    day: date = rules.SEED_ERA
    response_fields: frozenset[str] = field(default_factory=frozenset)
    """The fields a GPT image answer carries on `day` (rules.RESPONSE_FIELDS)."""


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
JSON_TYPE = "application/json"
JSON_TYPE_NAMES = {
    str: "a string", int: "an integer", float: "a decimal", bool: "a boolean", list: "an array", dict: "an object"
}
FORM_BOOLEANS = {"true": True, "false": False}
"""The error each model gives for an unusable upload; others use `image_unsupported`."""
"""Models whose image must carry its own transparency when no mask comes with it."""
ALL_FILE_FIELDS = frozenset(name for name, *_ in rules.FILE_FIELDS)
SVG_FORM_FIELDS = {"svg[model]": ("model",), "svg[reasoning][effort]": ("reasoning", "effort")}
"""sdk.edit `svg`: "Use multipart fields such as `svg[model]`"."""
UNSUPPORTED_WITH_MODEL = frozenset({"input_fidelity", "markup"})
"""Parameters a model refuses with `unsupported_parameter` (others it does not take are unknown parameters)."""


async def parse(request: Request, endpoint: str, api: ApiView, files: FileStore) -> ImageRequest:
    """Read and validate one request to `/v1/images/{endpoint}` as the API is on `api.day`."""
    if endpoint == "generations":
        return build(endpoint, await _read_json(request), {}, from_form=False, api=api)
    if endpoint == "edits" and _content_type(request) == JSON_TYPE and "images" in api.params(rules.EDITS_JSON):
        fields = await _read_json(request)
        uploads = {
            "image[]": [await references.resolve(item, f"images[{index}]", files)
                        for index, item in enumerate(_reference_list(fields))],
        }
        if "mask" in fields:
            uploads["mask"] = [await references.resolve(fields["mask"], "mask", files)]
        body = {name: value for name, value in fields.items() if name not in ("images", "mask")}
        return build(endpoint, {**body, "images": fields.get("images")}, uploads, from_form=False, api=api,
                     where=rules.EDITS_JSON)
    fields, files_sent = await _read_multipart(request)
    return build(endpoint, fields, files_sent, from_form=True, api=api)


def _reference_list(fields: Mapping[str, Any]) -> list[Any]:
    images = fields.get("images")
    if images is None:
        raise ApiError("missing_parameter", param="images")
    if not isinstance(images, list) or not images:
        raise ApiError("invalid_reference", param="images", detail="expected a non-empty array of image references")
    return images


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _read_json(request: Request) -> dict[str, Any]:
    content_type = _content_type(request)
    if content_type in FORM_TYPES:
        raise ApiError("expected_json", content_type=content_type)
    try:
        data = json.loads(await request.body())
    except ValueError:
        raise ApiError("invalid_json") from None
    if not isinstance(data, dict):
        raise ApiError("body_not_object", kind=JSON_TYPE_NAMES.get(type(data), "null"))
    return {name: value for name, value in data.items() if value is not None}


async def _read_multipart(request: Request) -> tuple[dict[str, Any], dict[str, list[bytes]]]:
    content_type = _content_type(request)
    if content_type != "multipart/form-data":
        raise ApiError("expected_multipart", content_type=content_type or "none")
    try:
        form = await request.form(max_part_size=64 * rules.MB)
    except HTTPException as exc:
        raise ApiError("invalid_multipart", detail=exc.detail) from None
    fields: dict[str, Any] = {}
    files: dict[str, list[bytes]] = {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            files.setdefault(name, []).append(await value.read())
        elif name in SVG_FORM_FIELDS:
            _nest(fields.setdefault("svg", {}), SVG_FORM_FIELDS[name], value)
        elif name not in ALL_FILE_FIELDS:
            fields[name] = value
    await form.close()
    return fields, files


def _nest(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def build(
    endpoint: str, fields: Mapping[str, Any], files: Mapping[str, list[bytes]], *, from_form: bool,
    api: ApiView | None = None, where: str | None = None,
) -> ImageRequest:
    """Validate in a fixed order (names, types, model, values, formats, uploads) so each request has one answer."""
    api = api or rules.api_on(rules.SEED_ERA)
    where = where or endpoint
    _reject_unknown(endpoint, where, fields, files, api)
    values = {name: _coerce(name, value, from_form) for name, value in fields.items()}
    model = _model(endpoint, values, files, api, where)
    for name in sorted([*values, *(name for name in files if name == "markup")]):
        if not rules.model_accepts(model, name):
            error = "unsupported_parameter" if name in UNSUPPORTED_WITH_MODEL else "unknown_parameter"
            raise ApiError(error, param=name, model=model.name)
    prompt = _prompt(endpoint, values, model)
    _check_size(values, model)
    _check_choices(values, model)
    _check_ranges(values, model)
    output_format = values.get("output_format", rules.DEFAULT_OUTPUT_FORMAT)
    _check_format(output_format, values, files)
    background = _background(values, output_format)
    images, mask = check_uploads(endpoint, model, files)
    size = rules.resolved_size(model, values.get("size"))
    pixels = rules.parse_size(size)
    assert pixels is not None, f"the rules table lists a malformed size {size!r}"
    return ImageRequest(
        endpoint=endpoint,
        model=model,
        prompt=prompt,
        n=values.get("n", rules.DEFAULT_N),
        size=size,
        pixels=pixels,
        response_format=values.get("response_format", model.default_response_format),
        quality=rules.resolved_quality(model, values.get("quality")),
        style=values.get("style", model.styles[0] if model.styles else None),
        background=background,
        output_format=output_format,
        encoding=output_format,
        output_compression=values.get("output_compression"),
        stream=values.get("stream", False),
        partial_images=values.get("partial_images", 0),
        images=images,
        mask=mask,
        frame_count=values.get("frame_count", rules.GIF_DEFAULT_FRAMES),
        frame_duration_ms=gif_delay(values.get("frame_duration_ms", rules.GIF_DEFAULT_FRAME_MS)),
        complexity=values.get("complexity"),
        safety_identifier=values.get("safety_identifier") or values.get("user") or None,
        svg=values.get("svg"),
        day=api.day,
        response_fields=api.response_fields(),
    )


def gif_delay(milliseconds: int) -> int:
    """sdk.generate `frame_duration_ms`: rounded to the nearest 10 ms, capped at 655,350 ms."""
    step = rules.GIF_FRAME_MS_STEP
    return max(step, min(rules.GIF_MAX_FRAME_MS, int(milliseconds / step + 0.5) * step))


def _reject_unknown(
    endpoint: str, where: str, fields: Mapping[str, Any], files: Mapping[str, list[bytes]], api: ApiView
) -> None:
    known_files = api.file_fields(endpoint) if where == endpoint else frozenset(IMAGE_FIELDS[1:]) | {"mask"}
    unknown = sorted(set(fields) - set(api.params(where))) + sorted(set(files) - known_files)
    if unknown:
        raise ApiError("unknown_parameter", param=unknown[0])


def _coerce(name: str, value: Any, from_form: bool) -> Any:
    """A JSON value must already have the right type; a form value is text to convert."""
    expected = rules.PARAM_TYPES[name]
    if type(value) is expected:
        return value
    if from_form and expected is bool and value.strip().lower() in FORM_BOOLEANS:
        return FORM_BOOLEANS[value.strip().lower()]
    if from_form and expected is int:
        try:
            return int(value)
        except ValueError:
            pass
    got = "a string" if from_form else JSON_TYPE_NAMES.get(type(value), "null")
    raise ApiError("invalid_type", param=name, expected=JSON_TYPE_NAMES[expected], got=got)


def _model(
    endpoint: str, values: Mapping[str, Any], files: Mapping[str, list[bytes]], api: ApiView, where: str
) -> ModelRules:
    """The named model, else the day's default for the endpoint; refused when unknown, retired or elsewhere."""
    name = rules.effective_model(values, endpoint, files.keys(), as_of=api.day)
    if not name:
        served = quoted_list(rules.names(api.models(endpoint))) or "none"
        raise ApiError("model_required", hint=f"models served on {endpoint}: {served}")
    model, status = api.model(name)
    if status == "retired":
        newest = rules.MODELS[name]
        raise ApiError("model_retired", model=name, retired=newest.lifecycle.retired, replacement=newest.lifecycle.replacement)
    if model is None or status != "available":
        raise ApiError("unknown_model", model=name)
    if not model.supports(endpoint):
        supported = rules.names(api.models(endpoint))
        raise ApiError("model_not_on_endpoint", model=name, endpoint=endpoint, supported=quoted_list(supported))
    if where == rules.EDITS_JSON and not model.json_edits:
        raise ApiError("json_edit_model", model=name)
    return model


def _prompt(endpoint: str, values: Mapping[str, Any], model: ModelRules) -> str:
    if endpoint == "variations":
        return ""
    prompt = values.get("prompt")
    if not prompt:
        raise ApiError("missing_prompt")
    if len(prompt) > model.max_prompt_chars:
        raise ApiError("prompt_too_long", maximum=model.max_prompt_chars, length=len(prompt))
    return prompt


def _check_size(values: Mapping[str, Any], model: ModelRules) -> None:
    """A listed size, or one the model's size rule allows; a rule's refusal says which constraint failed."""
    size = values.get("size")
    if size is None or model.allows_size(size):
        return
    pixels = rules.parse_size(size)
    problem = model.size_rule.problem(*pixels) if model.size_rule is not None and pixels is not None else None
    if problem is not None:
        raise ApiError("size_constraint", size=size, model=model.name, why=problem[1])
    raise ApiError("invalid_value", param="size", value=size, supported=quoted_list(model.sizes))


def _check_choices(values: Mapping[str, Any], model: ModelRules) -> None:
    for name, choices_of in rules.PARAM_CHOICES.items():
        choices = choices_of(model)
        if name in values and values[name] not in choices:
            raise ApiError("invalid_value", param=name, value=values[name], supported=quoted_list(choices))
    svg = values.get("svg")
    if svg is not None:
        _check_svg(svg)


def _check_svg(svg: Mapping[str, Any]) -> None:
    """sdk.generate Svg: `model` a string, `reasoning.effort` one of SVG_EFFORTS."""
    unknown = sorted(set(svg) - {"model", "reasoning"})
    if unknown:
        raise ApiError("unknown_parameter", param=f"svg.{unknown[0]}")
    if "model" in svg and not isinstance(svg["model"], str):
        raise ApiError("invalid_type", param="svg.model", expected="a string", got=JSON_TYPE_NAMES.get(type(svg["model"]), "null"))
    reasoning = svg.get("reasoning") or {}
    effort = reasoning.get("effort") if isinstance(reasoning, dict) else None
    if effort is not None and effort not in rules.SVG_EFFORTS:
        raise ApiError("invalid_value", param="svg.reasoning.effort", value=effort, supported=quoted_list(rules.SVG_EFFORTS))


def _check_ranges(values: Mapping[str, Any], model: ModelRules) -> None:
    for name, range_of in rules.PARAM_RANGES.items():
        minimum, maximum = range_of(model)
        value = values.get(name)
        if value is not None and value < minimum:
            raise ApiError("below_minimum", param=name, minimum=minimum, value=value)
        if value is not None and value > maximum:
            error = "n_must_be_one" if name == "n" and maximum == 1 else "above_maximum"
            raise ApiError(error, param=name, maximum=maximum, value=value)


def _check_format(output_format: str, values: Mapping[str, Any], files: Mapping[str, list[bytes]]) -> None:
    """What an output format alone takes (frame_count for gif) and refuses (streaming, masks, n > 1 for svg)."""
    for name, fmt in rules.FORMAT_ONLY_PARAMS.items():
        if name in values and output_format != fmt:
            raise ApiError("format_only", param=name, fmt=fmt)
    sent = {**values, **{name: True for name, parts in files.items() if parts}}
    for name in rules.FORMAT_REFUSES.get(output_format, ()):
        if sent.get(name) not in (None, False, 0):
            raise ApiError("format_refuses", fmt=output_format, what=name.replace("_", " "), param=name)
    maximum = rules.FORMAT_MAX_N.get(output_format)
    if maximum is not None and values.get("n", rules.DEFAULT_N) > maximum:
        raise ApiError("format_n", fmt=output_format, maximum=maximum, value=values["n"])


def _background(values: Mapping[str, Any], output_format: str) -> str:
    """The background answered: `transparent` when asked (and the format can carry it), else opaque."""
    if values.get("background") != "transparent":
        return "opaque"
    if output_format not in rules.TRANSPARENT_FORMATS:
        supported = quoted_list(rules.TRANSPARENT_FORMATS)
        raise ApiError("transparent_format", output_format=output_format, supported=supported)
    return "transparent"


