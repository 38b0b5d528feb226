"""An HTTP request to an Images endpoint -> a validated `ImageRequest`, or an `ApiError`.

Every limit comes from `imagecontract.rules`; every message from `messages`.
`build` is pure (fields and file bytes in), so it is testable without HTTP.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from io import BytesIO
from typing import Any, Mapping

from PIL import Image
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from imagecontract import rules
from imagecontract.rules import ModelRules
from imagecontract.sandbox.messages import ApiError, quoted_list


@dataclass(frozen=True)
class Upload:
    """One uploaded image: its bytes and the decoded picture."""

    data: bytes
    picture: Image.Image
    format: str

    @property
    def has_alpha(self) -> bool:
        return self.picture.mode in ("RGBA", "LA", "PA") or "transparency" in self.picture.info


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


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
JSON_TYPE_NAMES = {
    str: "a string", int: "an integer", float: "a decimal", bool: "a boolean", list: "an array", dict: "an object"
}
FORM_BOOLEANS = {"true": True, "false": False}
UPLOAD_ERRORS = {"dall-e-2": "image_not_png"}
"""The error each model gives for an unusable upload; others use `image_unsupported`."""
ALPHA_REQUIRED_WITHOUT_MASK = frozenset({"dall-e-2"})
"""Models whose image must carry its own transparency when no mask comes with it."""
IMAGE_FIELDS = ("image", "image[]")
FILE_FIELDS = frozenset().union(*rules.ENDPOINT_FILES.values())


async def parse(request: Request, endpoint: str) -> ImageRequest:
    """Read and validate one request to `/v1/images/{endpoint}`."""
    if endpoint == "generations":
        return build(endpoint, await _read_json(request), {}, from_form=False)
    fields, files = await _read_multipart(request)
    return build(endpoint, fields, files, from_form=True)


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
        form = await request.form()
    except HTTPException as exc:
        raise ApiError("invalid_multipart", detail=exc.detail) from None
    fields: dict[str, Any] = {}
    files: dict[str, list[bytes]] = {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            files.setdefault(name, []).append(await value.read())
        elif name not in FILE_FIELDS:
            fields[name] = value
    await form.close()
    return fields, files


def build(
    endpoint: str, fields: Mapping[str, Any], files: Mapping[str, list[bytes]], *, from_form: bool
) -> ImageRequest:
    """Validate in a fixed order (names, types, model, values, uploads) so each request has one answer."""
    _reject_unknown(endpoint, fields, files)
    values = {name: _coerce(name, value, from_form) for name, value in fields.items()}
    model = _model(endpoint, values, files)
    for name in sorted(values):
        if not rules.model_accepts(model, name):
            raise ApiError("unknown_parameter", param=name)
    prompt = _prompt(endpoint, values, model)
    _check_choices(values, model)
    _check_ranges(values, model)
    size = rules.resolved_size(model, values.get("size"))
    background = "transparent" if values.get("background") == "transparent" else "opaque"
    output_format = values.get("output_format", rules.DEFAULT_OUTPUT_FORMAT)
    if background == "transparent" and output_format not in rules.TRANSPARENT_FORMATS:
        supported = quoted_list(rules.TRANSPARENT_FORMATS)
        raise ApiError("transparent_format", output_format=output_format, supported=supported)
    images, mask = _uploads(endpoint, model, files)
    pixels = rules.parse_size(size)
    assert pixels is not None, f"rules.py lists a malformed size {size!r}"
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
    )


def _reject_unknown(endpoint: str, fields: Mapping[str, Any], files: Mapping[str, list[bytes]]) -> None:
    unknown = sorted(set(fields) - rules.ENDPOINT_PARAMS[endpoint]) + sorted(
        set(files) - rules.ENDPOINT_FILES[endpoint]
    )
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


def _model(endpoint: str, values: Mapping[str, Any], files: Mapping[str, list[bytes]]) -> ModelRules:
    """The named model, else dall-e-2 unless a GPT-image-only parameter or `image[]` was sent."""
    name = rules.effective_model(values, endpoint, files.keys())
    model = rules.model_rules(name)
    if model is None:
        raise ApiError("unknown_model", model=name)
    if not model.supports(endpoint):
        supported = [other.name for other in rules.MODELS.values() if other.supports(endpoint)]
        raise ApiError("model_not_on_endpoint", model=name, endpoint=endpoint, supported=quoted_list(supported))
    return model


def _prompt(endpoint: str, values: Mapping[str, Any], model: ModelRules) -> str:
    if "prompt" not in rules.ENDPOINT_PARAMS[endpoint]:
        return ""
    prompt = values.get("prompt")
    if not prompt:
        raise ApiError("missing_prompt")
    if len(prompt) > model.max_prompt_chars:
        raise ApiError("prompt_too_long", maximum=model.max_prompt_chars, length=len(prompt))
    return prompt


def _check_choices(values: Mapping[str, Any], model: ModelRules) -> None:
    for name, choices_of in rules.PARAM_CHOICES.items():
        choices = choices_of(model)
        if name in values and values[name] not in choices:
            raise ApiError("invalid_value", param=name, value=values[name], supported=quoted_list(choices))


def _check_ranges(values: Mapping[str, Any], model: ModelRules) -> None:
    for name, range_of in rules.PARAM_RANGES.items():
        minimum, maximum = range_of(model)
        value = values.get(name)
        if value is not None and value < minimum:
            raise ApiError("below_minimum", param=name, minimum=minimum, value=value)
        if value is not None and value > maximum:
            error = "n_must_be_one" if name == "n" and maximum == 1 else "above_maximum"
            raise ApiError(error, param=name, maximum=maximum, value=value)


def _uploads(
    endpoint: str, model: ModelRules, files: Mapping[str, list[bytes]]
) -> tuple[tuple[Upload, ...], Upload | None]:
    if not rules.ENDPOINT_FILES[endpoint]:
        return (), None
    sent = [data for field in IMAGE_FIELDS for data in files.get(field, [])]
    if not sent:
        raise ApiError("missing_image")
    limit = max(model.max_input_images, 1)
    if len(sent) > limit:
        raise ApiError("too_many_images", model=model.name, maximum=limit, count=len(sent))
    images = tuple(_image(data, model) for data in sent)
    masks = files.get("mask", [])
    mask = _mask(masks[0], images[0]) if masks else None
    if mask is None and model.name in ALPHA_REQUIRED_WITHOUT_MASK and endpoint == "edits" and not images[0].has_alpha:
        raise ApiError("image_needs_alpha", mode=images[0].picture.mode)
    return images, mask


def _decode(data: bytes) -> tuple[Image.Image, str] | None:
    try:
        picture = Image.open(BytesIO(data))
        picture.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return picture, (picture.format or "").lower()


def _image(data: bytes, model: ModelRules) -> Upload:
    decoded = _decode(data)
    problem = _image_problem(data, decoded, model)
    if problem:
        allowed = quoted_list([f"image/{fmt}" for fmt in model.input_formats])
        raise ApiError(
            UPLOAD_ERRORS.get(model.name, "image_unsupported"),
            detail=problem,
            supported=allowed,
            max_mb=model.max_input_bytes // rules.MB,
        )
    assert decoded is not None
    return Upload(data, *decoded)


def _image_problem(data: bytes, decoded: tuple[Image.Image, str] | None, model: ModelRules) -> str | None:
    """Why an upload is unusable for a model, or None."""
    if len(data) > model.max_input_bytes:
        return f"{len(data)} bytes"
    if decoded is None:
        return "not an image"
    picture, fmt = decoded
    if fmt not in model.input_formats:
        return f"image/{fmt}"
    if model.square_input and picture.width != picture.height:
        return f"{picture.width}x{picture.height} is not square"
    return None


def _mask(data: bytes, image: Upload) -> Upload:
    decoded = _decode(data)
    if decoded is None or decoded[1] not in rules.MASK_FORMATS or len(data) > rules.MAX_MASK_BYTES:
        raise ApiError("mask_invalid")
    mask = Upload(data, *decoded)
    if mask.picture.size != image.picture.size:
        raise ApiError("mask_size", mask=_dimensions(mask), image=_dimensions(image))
    if not mask.has_alpha:
        raise ApiError("mask_no_alpha")
    return mask


def _dimensions(upload: Upload) -> str:
    return f"{upload.picture.width}x{upload.picture.height}"
