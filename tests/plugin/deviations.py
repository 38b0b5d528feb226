"""The gateway deviations as data, shared by the per-request tests and the matrix test:
each sandbox fault that imitates a non-conforming gateway, the shipped request it fails,
and what the failure must say."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

REPO = Path(__file__).resolve().parents[2]
KEY = "ic-gateway-suite-key-0123456789"
WRONG_KEY = "ic-wrong-key-for-echo-0123456789abcdefghijklmnopqrstuvwxyz"
"""Sent by errors.yaml's `wrong API key` (via --var wrong_key): long, so a leak of it is unmistakable."""


class Deviation(NamedTuple):
    fault: str
    node: str
    expected: list[str]
    sandbox: dict[str, Any] = {}
    args: tuple[str, ...] = ()


ERRORS = "errors.yaml::missing prompt"
DEVIATIONS = [
    # Error bodies that are not the OpenAI envelope.
    Deviation("plain-text-errors", ERRORS, ["[error_envelope]", "not JSON", "[response_schema]", "text/plain"]),
    Deviation("html-errors", ERRORS, ["[error_envelope]", "not JSON", "[response_schema]", "text/html"]),
    Deviation("flat-errors", ERRORS, ["[error_envelope]", 'expected an error envelope {"error": {...}}']),
    Deviation("error-missing-type", ERRORS, ["[error_envelope]", "$.error.type", "[response_schema]"]),
    Deviation("error-missing-param", ERRORS, ["[error_envelope]", "$.error.param", "[response_schema]"]),
    # The wrong status.
    Deviation("errors-as-200", ERRORS, ["[status_code]", "expected 400, got 200"]),
    Deviation("wrong-error-status", ERRORS, ["[status_code]", "expected 400, got 500"]),
    # A secret echoed back (the failure text itself must not carry it: see the test).
    Deviation("echo-key", "errors.yaml::wrong API key", ["[no_secret_echo]", "echoes all of the"],
              args=("--var", f"wrong_key={WRONG_KEY}")),
    # Parameters ignored or answered wrongly.
    Deviation("swap-response-format", "generations.yaml::dall-e-2 url 256x256", ["[response_format]", "expected url"]),
    Deviation("ignore-response-format", "generations.yaml::dall-e-2 b64_json 1024x1024",
              ["[response_format]", "expected b64_json (asked for)"]),
    Deviation("ignore-size", "generations.yaml::dall-e-2 url 256x256", ["[image_decodes]", "expected 256x256, got 1024x1024"]),
    Deviation("clamp-n=1", "generations.yaml::dall-e-2 url 512x512 n=2", ["[image_count]", "expected 2 images, got 1"]),
    Deviation("wrong-format", "generations.yaml::dall-e-2 url 256x256", ["[image_decodes]", "expected a png image, got jpeg"]),
    Deviation("drop-revised-prompt", "generations.yaml::dall-e-3 url 1024x1024", ["[revised_prompt]"]),
    Deviation("drop-usage", "generations.yaml::gpt-image-1 1024x1024", ["[usage]", "expected a usage object"]),
    # Inputs dropped.
    Deviation("single-image-input", "edits.yaml::gpt-image-1 four images gift basket",
              ["[input_images_used]", "for 4 input images", "not every input image was used"]),
    Deviation("drop-mask", "edits.yaml::dall-e-2 mask url 512x512",
              ["[edit_preserves_unmasked]", "pixels outside the editable area unchanged"]),
    Deviation("no-variations", "variations.yaml::dall-e-2 url 256x256", ["[status_code]", "expected 200, got 404"]),
    # A heuristic's doubt is advisory: it fails the test under --strict-checks.
    Deviation("variations-ignore-input", "variations.yaml::dall-e-2 b64_json 512x512 n=3",
              ["[variation_resembles_input]", "the input looks ignored"], args=("--strict-checks",)),
    # A gateway cutting long requests: the edit takes 0.15 s at this latency scale, the gateway waits 0.05 s.
    Deviation("timeout=0.05", "edits.yaml::dall-e-2 transparent image without mask",
              ["[status_code]", "expected 200, got 504"], sandbox={"latency_scale": 0.01}),
]
