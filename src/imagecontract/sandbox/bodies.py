"""The JSON a successful answer carries: image items, revised prompts, and for GPT image models the settings
used, the usage and the safety identifier, each only from the day the sources document it (rules.RESPONSE_FIELDS)."""

from __future__ import annotations

import base64
import math
from typing import Any, Callable

from imagecontract import rules
from imagecontract.sandbox.validation import ImageRequest

Publish = Callable[[bytes], str]
"""Stores an image for url mode and returns its URL."""

SVG_AUTHOR = "sandbox-svg-author"
"""The SVG author model reported in `svg_usage` when the request names none."""


def images_body(request: ImageRequest, created: int, files: list[bytes], publish: Publish) -> dict[str, Any]:
    """The ImagesResponse object: `created`, `data`, and for GPT image models the fields of their day."""
    body: dict[str, Any] = {"created": created, "data": [image_item(request, data, publish) for data in files]}
    if request.model.family == rules.GPT_IMAGE_FAMILY:
        body.update(settings(request))
        if "usage" in request.response_fields:
            body["usage"] = usage(request, len(files))
        body.update(identity(request))
        if request.output_format == "svg" and "svg_usage" in request.response_fields:
            body["svg_usage"] = svg_usage(request)
    return body


def image_item(request: ImageRequest, data: bytes, publish: Publish) -> dict[str, Any]:
    item: dict[str, Any] = (
        {"url": publish(data)} if request.response_format == "url" else {"b64_json": base64.b64encode(data).decode()}
    )
    if request.model.revised_prompt:
        item["revised_prompt"] = revised_prompt(request)
    return item


SETTING_FIELDS = ("background", "output_format", "quality", "size")


def settings(request: ImageRequest) -> dict[str, str]:
    """What a GPT image model reports it used (in bodies and stream events), as far as its day documents it."""
    values = {"background": request.background, "output_format": request.output_format,
              "quality": request.quality, "size": request.size}
    return {name: values[name] for name in SETTING_FIELDS if name in request.response_fields}


def identity(request: ImageRequest) -> dict[str, str]:
    """sdk.response `safety_identifier`: the request's, else its deprecated `user`; absent when neither was sent."""
    if request.safety_identifier and "safety_identifier" in request.response_fields:
        return {"safety_identifier": request.safety_identifier}
    return {}


def usage(request: ImageRequest, images: int) -> dict[str, Any]:
    """Token usage: prompt length, a fixed cost per input image actually used, and the output figures."""
    text_tokens = math.ceil(len(request.prompt) / rules.TEXT_CHARS_PER_TOKEN)
    image_tokens = rules.INPUT_IMAGE_TOKENS * len(request.images)
    output_tokens = rules.output_tokens(request.quality, request.size) * images
    counted: dict[str, Any] = {
        "input_tokens": text_tokens + image_tokens,
        "input_tokens_details": {"text_tokens": text_tokens, "image_tokens": image_tokens},
        "output_tokens": output_tokens,
        "total_tokens": text_tokens + image_tokens + output_tokens,
    }
    if "usage.output_tokens_details" in request.response_fields:
        counted["output_tokens_details"] = {"image_tokens": output_tokens, "text_tokens": 0}
    return counted


def svg_usage(request: ImageRequest) -> dict[str, Any]:
    """sdk.response SvgUsage: the SVG author's own tokens (the sandbox's figures)."""
    author = str((request.svg or {}).get("model") or SVG_AUTHOR)
    input_tokens = math.ceil(len(request.prompt) / rules.TEXT_CHARS_PER_TOKEN)
    reasoning, output = 64, 256
    return {"model": author, "input_tokens": input_tokens, "output_tokens": output + reasoning,
            "reasoning_tokens": reasoning, "total_tokens": input_tokens + output + reasoning}


def revised_prompt(request: ImageRequest) -> str:
    """dall-e-3's rewrite: deterministic, and visibly not the prompt sent."""
    subject = request.prompt.rstrip(" .")
    return f"{subject}, rendered in a {request.style} style with bold flat shapes on a plain background."
