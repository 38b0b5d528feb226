"""The JSON a successful answer carries: image items, revised prompts and GPT image usage."""

from __future__ import annotations

import base64
import math
from typing import Any, Callable

from imagecontract import rules
from imagecontract.sandbox.validation import ImageRequest

Publish = Callable[[bytes], str]
"""Stores an image for url mode and returns its URL."""


def images_body(request: ImageRequest, created: int, files: list[bytes], publish: Publish) -> dict[str, Any]:
    """The ImagesResponse object: `created`, `data`, and for GPT image models their settings and `usage`."""
    body: dict[str, Any] = {"created": created, "data": [image_item(request, data, publish) for data in files]}
    if request.model.family == rules.GPT_IMAGE_FAMILY:
        body.update(settings(request), usage=usage(request, len(files)))
    return body


def image_item(request: ImageRequest, data: bytes, publish: Publish) -> dict[str, Any]:
    item: dict[str, Any] = (
        {"url": publish(data)} if request.response_format == "url" else {"b64_json": base64.b64encode(data).decode()}
    )
    if request.model.revised_prompt:
        item["revised_prompt"] = revised_prompt(request)
    return item


def settings(request: ImageRequest) -> dict[str, str]:
    """What a GPT image model reports it used (in bodies and stream events)."""
    return {
        "background": request.background,
        "output_format": request.output_format,
        "quality": request.quality,
        "size": request.size,
    }


def usage(request: ImageRequest, images: int) -> dict[str, Any]:
    """Token usage: prompt length, a fixed cost per input image actually used, and the output table."""
    text_tokens = math.ceil(len(request.prompt) / rules.TEXT_CHARS_PER_TOKEN)
    image_tokens = rules.INPUT_IMAGE_TOKENS * len(request.images)
    per_image = rules.OUTPUT_TOKENS.get((request.quality, request.size), max(rules.OUTPUT_TOKENS.values()))
    output_tokens = per_image * images
    return {
        "input_tokens": text_tokens + image_tokens,
        "input_tokens_details": {"text_tokens": text_tokens, "image_tokens": image_tokens},
        "output_tokens": output_tokens,
        "total_tokens": text_tokens + image_tokens + output_tokens,
    }


def revised_prompt(request: ImageRequest) -> str:
    """dall-e-3's rewrite: deterministic, and visibly not the prompt sent."""
    subject = request.prompt.rstrip(" .")
    return f"{subject}, rendered in a {request.style} style with bold flat shapes on a plain background."
