"""The vendored images part of the official spec (tests/fixtures/openapi/images-2.3.0.yaml) as JSON Schema
validators, with the few places where the spec is older than the SDK 3.57.0 (or disagrees with itself) widened,
each with its reason; `PATCHES` lists them, and a test proves every one of them is needed."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "openapi" / "images-2.3.0.yaml"
ROOT = "urn:openai-openapi-2.3.0"
SIZE_PATTERN = "^[0-9]+x[0-9]+$"


def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_FILE.read_text())


@dataclass(frozen=True)
class Patch:
    """One widening of a spec schema: which schemas and property, how, and why."""

    name: str
    schemas: tuple[str, ...]
    field: str
    widen: Callable[[dict[str, Any]], dict[str, Any]]
    reason: str


def _add(*values: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda schema: {**schema, "enum": [*schema["enum"], *values]}


def _any_size(schema: dict[str, Any]) -> dict[str, Any]:
    listed = [value for value in schema["enum"] if not re.match(SIZE_PATTERN, value)]
    return {"anyOf": [{"type": "string", "pattern": SIZE_PATTERN}, *([{"enum": listed}] if listed else [])]}


EVENTS = ("ImageGenCompletedEvent", "ImageGenPartialImageEvent", "ImageEditCompletedEvent", "ImageEditPartialImageEvent")
PATCHES = (
    Patch("arbitrary response sizes", ("ImagesResponse", *EVENTS), "size", _any_size,
          "spec-internal: CreateImageRequest.size allows arbitrary WIDTHxHEIGHT for gpt-image-2 while ImagesResponse.size "
          "and the events' size list three sizes; the SDK 3.57.0 types them as str"),
    Patch("xhigh and max quality", ("ImagesResponse", *EVENTS), "quality", _add("xhigh", "max"),
          "newer than the spec: the SDK 3.57.0 ImagesResponse.quality and the events' quality add xhigh and max"),
    Patch("gif and svg output", ("ImagesResponse",), "output_format", _add("gif", "svg"),
          "newer than the spec: the SDK 3.57.0 ImagesResponse.output_format adds gif and svg"),
)


def patched(document: dict[str, Any], patches: tuple[Patch, ...] = PATCHES) -> dict[str, Any]:
    document = copy.deepcopy(document)
    schemas = document["components"]["schemas"]
    for patch in patches:
        for name in patch.schemas:
            schemas[name]["properties"][patch.field] = patch.widen(schemas[name]["properties"][patch.field])
    return document


@lru_cache(maxsize=None)
def _registry(patch_names: tuple[str, ...]) -> Registry:
    document = patched(spec(), tuple(patch for patch in PATCHES if patch.name in patch_names))
    return Registry().with_resource(ROOT, Resource.from_contents(document, default_specification=DRAFT202012))


def errors(instance: Any, schema_name: str, patches: tuple[str, ...] | None = None) -> list[str]:
    """What is wrong with `instance` against a spec schema (patched with `patches`, all by default)."""
    names = tuple(patch.name for patch in PATCHES) if patches is None else patches
    validator = jsonschema.Draft202012Validator(
        {"$ref": f"{ROOT}#/components/schemas/{schema_name}"}, registry=_registry(names))
    return [f"{'.'.join(map(str, error.absolute_path)) or '$'}: {error.message[:200]}" for error in validator.iter_errors(instance)]


EVENT_SCHEMAS = {
    "image_generation.partial_image": "ImageGenPartialImageEvent",
    "image_generation.completed": "ImageGenCompletedEvent",
    "image_edit.partial_image": "ImageEditPartialImageEvent",
    "image_edit.completed": "ImageEditCompletedEvent",
}


def schema_for(path: str, status: int, event: dict[str, Any] | None = None) -> str | None:
    """The spec schema an answer to `path` must match: the event's own, the images response, the File object or
    the error envelope; None for what the spec does not describe (the sandbox's url-mode image downloads)."""
    if event is not None:
        return EVENT_SCHEMAS.get(str(event.get("type")))
    if status >= 400:
        return "ErrorResponse"
    if path.rstrip("/").endswith("/files") or "/files/" in path:
        return "OpenAIFile"
    return "ImagesResponse" if "/images/" in path and "/_sandbox/" not in path else None
