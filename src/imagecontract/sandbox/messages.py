"""Every error the sandbox can answer, as one table: status, type, message, param and code.

Handlers raise `ApiError("name", **values)`; the message and param are
`str.format` templates filled from those values. Wording follows the seed blog
post where it quotes a real body, and the real API's phrasing elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class ErrorSpec:
    """One kind of error: `message` and `param` are templates over the raise-site values."""

    status: int
    type: str
    message: str
    param: str | None = None
    code: str | None = None


_INVALID = "invalid_request_error"
_HELP = "https://platform.openai.com/account/api-keys"

ERRORS: Mapping[str, ErrorSpec] = {
    # Authentication (seed blog post, with today's key page URL).
    "missing_api_key": ErrorSpec(
        401,
        _INVALID,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using "
        "Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) "
        "if you're accesing the API from your browser and are prompted for a username and password. "
        f"You can obtain an API key from {_HELP}.",
    ),
    "invalid_api_key": ErrorSpec(
        401,
        _INVALID,
        "Incorrect API key provided: {key}. You can find your API key at " + _HELP + ".",
        code="invalid_api_key",
    ),
    # The body as a whole.
    "invalid_json": ErrorSpec(
        400,
        _INVALID,
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your "
        "HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. "
        "If you have trouble figuring out how to fix this, please contact us through our help center at "
        "help.openai.com.)",
    ),
    "expected_json": ErrorSpec(
        400, _INVALID, "Invalid Content-Type header ({content_type}), expected application/json."
    ),
    "expected_multipart": ErrorSpec(
        400,
        _INVALID,
        "Invalid Content-Type header ({content_type}), expected multipart/form-data. "
        "(HINT: If you're using curl, you can pass -H 'Content-Type: multipart/form-data')",
    ),
    "invalid_multipart": ErrorSpec(400, _INVALID, "Could not parse multipart form: {detail}"),
    "body_not_object": ErrorSpec(
        400, _INVALID, "Invalid type for request body: expected an object, but got {kind} instead.", code="invalid_type"
    ),
    # Parameters.
    "unknown_parameter": ErrorSpec(
        400, _INVALID, "Unknown parameter: '{param}'.", param="{param}", code="unknown_parameter"
    ),
    "missing_prompt": ErrorSpec(
        400, _INVALID, "Missing required parameter: 'prompt'.", param="prompt", code="missing_required_parameter"
    ),
    "missing_parameter": ErrorSpec(
        400, _INVALID, "Missing required parameter: '{param}'.", param="{param}", code="missing_required_parameter"
    ),
    "invalid_type": ErrorSpec(
        400,
        _INVALID,
        "Invalid type for '{param}': expected {expected}, but got {got} instead.",
        param="{param}",
        code="invalid_type",
    ),
    "invalid_value": ErrorSpec(
        400,
        _INVALID,
        "Invalid value: '{value}'. Supported values are: {supported}.",
        param="{param}",
        code="invalid_value",
    ),
    "below_minimum": ErrorSpec(
        400,
        _INVALID,
        "Invalid '{param}': integer below minimum value. Expected a value >= {minimum}, but got {value} instead.",
        param="{param}",
        code="integer_below_min_value",
    ),
    "above_maximum": ErrorSpec(
        400,
        _INVALID,
        "Invalid '{param}': integer above maximum value. Expected a value <= {maximum}, but got {value} instead.",
        param="{param}",
        code="integer_above_max_value",
    ),
    "n_must_be_one": ErrorSpec(400, _INVALID, "You must provide n=1 for this model.", param="n"),
    "prompt_too_long": ErrorSpec(
        400,
        _INVALID,
        "Invalid 'prompt': string too long. Expected a string with maximum length {maximum}, "
        "but got a string with length {length} instead.",
        param="prompt",
        code="string_above_max_length",
    ),
    "unknown_model": ErrorSpec(
        400, _INVALID, "Invalid model {model}. The model argument should be left blank.", param="model"
    ),
    "model_not_on_endpoint": ErrorSpec(
        400,
        _INVALID,
        "Invalid model {model} for /v1/images/{endpoint}. Supported models: {supported}.",
        param="model",
        code="invalid_value",
    ),
    # Dated and constrained requests: the sandbox's own wording (no source quotes the real API's message).
    "model_required": ErrorSpec(
        400,
        _INVALID,
        "Missing required parameter: 'model'. Specify an image model explicitly ({hint}).",
        param="model",
        code="missing_required_parameter",
    ),
    "model_retired": ErrorSpec(
        404,
        _INVALID,
        "The model '{model}' was retired on {retired} and is no longer served; use {replacement}.",
        param="model",
        code="model_not_found",
    ),
    "endpoint_retired": ErrorSpec(
        404,
        _INVALID,
        "The endpoint /v1/images/{endpoint} was retired on {retired} and is no longer served; use {replacement}.",
        code="endpoint_retired",
    ),
    "json_edit_model": ErrorSpec(
        400,
        _INVALID,
        "JSON edits support GPT image models only; {model} edits need multipart/form-data.",
        param="model",
        code="invalid_value",
    ),
    "unsupported_parameter": ErrorSpec(
        400,
        _INVALID,
        "Unsupported parameter: '{param}' is not supported with model {model}.",
        param="{param}",
        code="unsupported_parameter",
    ),
    "size_constraint": ErrorSpec(
        400,
        _INVALID,
        "Invalid size '{size}' for {model}: {why}.",
        param="size",
        code="invalid_value",
    ),
    "format_only": ErrorSpec(
        400,
        _INVALID,
        "'{param}' is only supported with output_format={fmt}.",
        param="{param}",
        code="unsupported_parameter",
    ),
    "format_refuses": ErrorSpec(
        400,
        _INVALID,
        "output_format={fmt} does not support {what}.",
        param="{param}",
        code="unsupported_parameter",
    ),
    "format_n": ErrorSpec(
        400,
        _INVALID,
        "output_format={fmt} requires n <= {maximum}, but got {value}.",
        param="n",
        code="invalid_value",
    ),
    "invalid_reference": ErrorSpec(
        400,
        _INVALID,
        "Invalid '{param}': {detail}.",
        param="{param}",
        code="invalid_value",
    ),
    "file_not_found": ErrorSpec(
        404,
        _INVALID,
        "The file '{file_id}' is not in this sandbox's Files store.",
        param="{param}",
        code="file_not_found",
    ),
    "file_too_large": ErrorSpec(
        400,
        _INVALID,
        "File is too large: {size} bytes, at most {maximum} bytes.",
        param="file",
        code="file_too_large",
    ),
    "transparent_format": ErrorSpec(
        400,
        _INVALID,
        "Transparent background is not supported for output format '{output_format}'. Use {supported}.",
        param="background",
        code="invalid_value",
    ),
    # Uploads.
    "missing_image": ErrorSpec(400, _INVALID, "'image' is a required property"),
    "image_not_png": ErrorSpec(400, _INVALID, "Uploaded image must be a PNG and less than 4 MB."),
    "image_unsupported": ErrorSpec(
        400,
        _INVALID,
        "Invalid file 'image': unsupported image ({detail}). Supported file formats are {supported}, "
        "each less than {max_mb} MB.",
        param="image",
        code="invalid_image_format",
    ),
    "image_needs_alpha": ErrorSpec(
        400,
        _INVALID,
        "Invalid input image - format must be in ['RGBA', 'LA', 'L'], got {mode}.",
        param="image",
        code="invalid_image",
    ),
    "too_many_images": ErrorSpec(
        400,
        _INVALID,
        "Too many images: {model} accepts at most {maximum} input image(s), but got {count}.",
        param="image",
        code="too_many_images",
    ),
    "mask_invalid": ErrorSpec(
        400, _INVALID, "Invalid mask image format - mask must be a PNG and less than 4 MB.", param="mask"
    ),
    "mask_no_alpha": ErrorSpec(
        400, _INVALID, "Invalid mask image format - mask image missing alpha channel", param="mask"
    ),
    "mask_size": ErrorSpec(
        400,
        _INVALID,
        "Invalid mask image - the mask ({mask}) and the image ({image}) must have the same dimensions.",
        param="mask",
    ),
    # Routing, limits and the service.
    "not_found": ErrorSpec(404, _INVALID, "Invalid URL ({method} {path})"),
    "rate_limited": ErrorSpec(
        429,
        "requests",
        "Rate limit reached for images per minute (IPM): Limit {limit}, Used {used}, Requested {requested}. "
        "Please try again in {retry_after}s. Visit https://platform.openai.com/account/rate-limits to learn more.",
        code="rate_limit_exceeded",
    ),
    "insufficient_quota": ErrorSpec(
        429,
        "insufficient_quota",
        "You exceeded your current quota, please check your plan and billing details. For more information "
        "on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
        code="insufficient_quota",
    ),
    "billing_hard_limit": ErrorSpec(
        400, _INVALID, "Billing hard limit has been reached", code="billing_hard_limit_reached"
    ),
    "server_error": ErrorSpec(
        500,
        "server_error",
        "The server had an error while processing your request. Sorry about that! You can retry your request, "
        "or contact us through our help center at help.openai.com if the error persists.",
    ),
    "gateway_timeout": ErrorSpec(
        504,
        "server_error",
        "The gateway timed out after {seconds} seconds waiting for the image service.",
        code="gateway_timeout",
    ),
}


@dataclass
class ErrorReply:
    """An error on its way out: faults may rewrite any part before it is rendered."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    media: str = "json"

    @property
    def message(self) -> str:
        """The human-readable text, wherever the body keeps it."""
        inner = self.body.get("error", self.body)
        return str(inner.get("message", "")) if isinstance(inner, dict) else ""


class ApiError(Exception):
    """An error answer named after its row in ERRORS, with the values its templates need."""

    def __init__(self, name: str, headers: Mapping[str, str] | None = None, **values: Any) -> None:
        self.name = name
        self.spec = ERRORS[name]
        self.values = values
        self.headers = dict(headers or {})
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return self.spec.message.format(**self.values)

    @property
    def status(self) -> int:
        return self.spec.status

    def envelope(self) -> dict[str, Any]:
        """The OpenAI error envelope: all four keys always present."""
        param = self.spec.param.format(**self.values) if self.spec.param is not None else None
        return {"error": {"message": self.message, "type": self.spec.type, "param": param, "code": self.spec.code}}

    def reply(self) -> ErrorReply:
        return ErrorReply(self.status, self.envelope(), dict(self.headers))


def quoted_list(values: tuple[str, ...] | list[str]) -> str:
    """`'a', 'b', and 'c'` as the real API lists supported values."""
    quoted = [f"'{value}'" for value in values]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + ", and " + quoted[-1]


