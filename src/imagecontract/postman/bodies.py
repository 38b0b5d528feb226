"""Postman request bodies -> imagecontract bodies: raw JSON with `{{variables}}`, form fields and file fields."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

from imagecontract.collection.confine import ALLOW_FLAG, outside_reason
from imagecontract.collection.templating import PLACEHOLDER
from imagecontract.postman.notes import Context, description_text

GENERATED_MARK = "imagecontract:"
"""Prefix of a form-data file field's description carrying a generated-image spec (written by the exporter)."""


def parse_raw_json(raw: str) -> Any:
    """Parse a raw body that is JSON only once Postman has substituted its variables.

    Every `{{var}}` outside a JSON string becomes the string `"{{var}}"`, so
    `"n": {{numberOfImages}}` reads as `"n": "{{numberOfImages}}"` and the
    typed whole-value substitution sends the number. Raises `ValueError` when the
    text is not JSON even so.
    """
    out: list[str] = []
    index, in_string = 0, False
    while index < len(raw):
        char = raw[index]
        if in_string:
            out.append(char)
            if char == "\\" and index + 1 < len(raw):
                out.append(raw[index + 1])
                index += 2
                continue
            if char == '"':
                in_string = False
            index += 1
            continue
        if char == '"':
            in_string = True
            out.append(char)
            index += 1
            continue
        match = PLACEHOLDER.match(raw, index) if char == "{" else None
        if match:
            out.append(json.dumps(match.group(0)))
            index = match.end()
            continue
        out.append(char)
        index += 1
    return json.loads("".join(out))


def request_body(mode: str | None, body: dict[str, Any], headers: dict[str, str], context: Context, note: Any) -> dict[str, Any]:
    if mode is None:
        return {}
    if mode == "raw":
        raw = str(body.get("raw", ""))
        if not raw.strip():
            return {}
        language = str(((body.get("options") or {}).get("raw") or {}).get("language", "")).lower()
        try:
            return {"json": parse_raw_json(raw)}
        except ValueError as exc:
            if language == "json":
                note(f"raw JSON body is not JSON even with its variables quoted ({exc}); sent as a raw body")
            if not any(key.lower() == "content-type" for key in headers):
                headers["Content-Type"] = "application/json" if language == "json" else "text/plain"
            return {"body": raw}
    if mode in ("formdata", "urlencoded"):
        if mode == "urlencoded":
            note("urlencoded body sent as multipart/form-data (the Images API reads both)", "info")
        return {"form": _form(body.get(mode) or [], context, note)}
    note(f"body mode {mode!r} not translated; the request is sent without a body")
    return {}


_GENERATED = {"image": {"png": "1024x1024"}, "image[]": {"png": "1024x1024"}, "mask": {"png": "1024x1024", "mask": True}}


def _form(entries: list[Any], context: Context, note: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    files: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("disabled") or not entry.get("key"):
            continue
        key = str(entry["key"])
        if entry.get("type") != "file":
            value = entry.get("value", "")
            fields[key] = value if isinstance(value, (str, int, float, bool)) else json.dumps(value)
            continue
        files.setdefault(key, []).extend(_file_specs(key, entry, context, note))
    form: dict[str, Any] = {}
    if fields:
        form["fields"] = fields
    if files:
        form["files"] = {key: specs[0] if len(specs) == 1 else specs for key, specs in files.items()}
    return form


def _file_specs(key: str, entry: dict[str, Any], context: Context, note: Any) -> list[dict[str, Any]]:
    description = description_text(entry.get("description"))
    if description.startswith(GENERATED_MARK):
        try:
            spec = json.loads(description[len(GENERATED_MARK):])
            if isinstance(spec, dict):
                return [spec]
        except ValueError:
            pass
    src = entry.get("src")
    sources = [s for s in (src if isinstance(src, list) else [src]) if isinstance(s, str) and s.strip()]
    if not sources:
        spec = dict(_GENERATED.get(key, {"png": "1024x1024"}))
        note(f"file field {key!r} has no file (empty src); uploading a generated {_spec_text(spec)} image instead")
        return [spec]
    fixtures = [_relocate(source, context) for source in sources]
    for source, fixture in zip(sources, fixtures):
        reason = outside_reason(fixture, Path(context.target_dir or "."))
        if reason:
            note(f"file field {key!r}: src {source!r} is {reason}; a run refuses such a fixture (it would upload "
                 f"that file to the target) unless given {ALLOW_FLAG}: copy the file into the project")
    return [{"fixture": fixture} for fixture in fixtures]


def _spec_text(spec: Mapping[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {str(v).lower() if isinstance(v, bool) else v}" for k, v in spec.items()) + "}"


def _relocate(source: str, context: Context) -> str:
    if os.path.isabs(source) or source.startswith("~") or context.source_dir is None or context.target_dir is None:
        return source
    absolute = os.path.normpath(os.path.join(context.source_dir, source))
    return os.path.relpath(absolute, context.target_dir)
