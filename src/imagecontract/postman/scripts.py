"""Postman test scripts -> expectations: the common `pm.*` assertions translated, the rest handed back.

`translate_script` recognises status, response-time and JSON-schema assertions,
and returns whatever it could not translate as `leftover`, kept as a comment.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator


@dataclass
class ScriptResult:
    """What a test script became: expectations, flags, and what is left over."""

    expect: dict[str, Any] = field(default_factory=dict)
    show_images: bool = False
    notes: list[tuple[str, str]] = field(default_factory=list)  # (level, message)
    leftover: list[str] = field(default_factory=list)


_STATUS = [
    re.compile(r"pm\.response\.to\.have\.status\(\s*(\d{3})\s*\)"),
    re.compile(r"pm\.expect\(\s*pm\.response\.(?:code|status)\s*\)\.to\.(?:be\.)?(?:eql|equal|eq|equals)\(\s*(\d{3})\s*\)"),
    re.compile(r"pm\.response\.to\.be\.(ok)\b"),
]
_LATENCY = re.compile(
    r"pm\.expect\(\s*pm\.response\.responseTime\s*\)\.to\.be\.(?:below|lessThan|lt|under)\(\s*(\d+(?:\.\d+)?)\s*\)"
)
_JSON_SCHEMA = re.compile(r"pm\.response\.to\.have\.jsonSchema\(")
NOISE = re.compile(r"(//[^\n]*|/\*.*?\*/|[\s;])", re.S)


def translate_script(lines: list[str] | str, listen: str = "test") -> ScriptResult:
    """Translate the common Postman assertions; everything else is returned as `leftover`."""
    text = "\n".join(lines) if isinstance(lines, list) else str(lines or "")
    result = ScriptResult()
    if not NOISE.sub("", text):
        return result
    if listen != "test":
        result.leftover = text.splitlines()
        result.notes.append(("warning", f"{listen} script not translated (kept as a comment); "
                                        "set its variables with --var or under variables:"))
        return result
    remaining = text
    for block, body in _pm_tests(text):
        inner = _translate_statements(body, result)
        if not NOISE.sub("", inner):
            remaining = remaining.replace(block, "", 1)
    remaining = _translate_statements(remaining, result)
    if "pm.visualizer.set" in remaining:
        if "b64_json" in remaining:
            result.show_images = True
            result.notes.append(("info", "visualizer script showing data[].b64_json replaced by show_images: true "
                                         "(the report shows every returned image anyway)"))
        else:
            result.notes.append(("warning", "visualizer script not translated (kept as a comment); "
                                            "the report shows returned images and the response JSON"))
            result.leftover = [line for line in remaining.splitlines() if line.strip(" \t;")]
        return result
    if NOISE.sub("", remaining):
        result.leftover = [line for line in remaining.splitlines() if line.strip(" \t;")]
        result.notes.append(("warning", "test script statements not translated (kept as a comment); "
                                        "express them under expect: (fields, images, schema)"))
    return result


def _translate_statements(text: str, result: ScriptResult) -> str:
    for pattern in _STATUS:
        for match in list(pattern.finditer(text)):
            status = 200 if match.group(1) == "ok" else int(match.group(1))
            if match.group(1) == "ok":
                result.notes.append(("info", "pm.response.to.be.ok (any 2xx) translated as expect.status: 200"))
            result.expect["status"] = status
        text = pattern.sub("", text)
    for match in list(_LATENCY.finditer(text)):
        result.expect["latency"] = _seconds(float(match.group(1)))
    text = _LATENCY.sub("", text)
    for match in list(_JSON_SCHEMA.finditer(text)):
        end = _closing(text, match.end() - 1)
        argument = text[match.end():end]
        mapped = _schema_fields(argument)
        if mapped is not None:
            result.expect.setdefault("fields", {}).update(mapped)
            result.notes.append(("info", "jsonSchema assertion translated to expect.fields"))
        else:
            result.notes.append(("warning", "pm.response.to.have.jsonSchema(...) not translated: every response is "
                                            "already validated against schemas/images_response.schema.json (or the error "
                                            "envelope); put a schema of your own under schemas/ and name it in expect.schema"))
        text = text[:match.start()] + text[end + 1:]
    return text


def _seconds(milliseconds: float) -> float | int:
    seconds = milliseconds / 1000
    return int(seconds) if seconds.is_integer() else seconds


def _schema_fields(argument: str) -> dict[str, Any] | None:
    """A literal schema `{"type": "object", "required": [...], "properties": {k: {"type": t}}}` as fields."""
    try:
        schema = json.loads(re.sub(r"([{,]\s*)([A-Za-z_]\w*)\s*:", r'\1"\2":', argument.strip().replace("'", '"')))
    except ValueError:
        return None
    if not isinstance(schema, dict) or set(schema) - {"type", "required", "properties"} or schema.get("type", "object") != "object":
        return None
    fields: dict[str, Any] = {}
    for name, sub in (schema.get("properties") or {}).items():
        if not isinstance(sub, dict) or set(sub) - {"type"} or not isinstance(sub.get("type"), str):
            return None
        if name in (schema.get("required") or []):
            fields[name] = {"type": sub["type"]}
    for name in schema.get("required") or []:
        fields.setdefault(name, {"exists": True})
    return fields or None


def _pm_tests(text: str) -> Iterator[tuple[str, str]]:
    """Each `pm.test("...", function () { BODY })` block and its BODY."""
    for match in re.finditer(r"pm\.test\(", text):
        end = _closing(text, match.end() - 1)
        block = text[match.start():end + 1]
        brace = block.find("{")
        if brace < 0 or end >= len(text):
            continue
        close = _closing(block, brace)
        tail = text[end + 1:]
        semicolon = len(tail) - len(tail.lstrip(" \t;")) if tail.lstrip(" \t").startswith(";") else 0
        yield text[match.start():end + 1 + semicolon], block[brace + 1:close]


def _closing(text: str, opening: int) -> int:
    """Index of the bracket closing the one at `opening` (strings and template literals skipped)."""
    pairs = {"(": ")", "{": "}", "[": "]"}
    stack: list[str] = []
    index, quote = opening, ""
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 2
                continue
            if char == quote:
                quote = ""
        elif char in "\"'`":
            quote = char
        elif char in pairs:
            stack.append(pairs[char])
        elif stack and char == stack[-1]:
            stack.pop()
            if not stack:
                return index
        index += 1
    return len(text)
