"""Where a value sits in a parsed JSON document, and how to name it in a failure.

Checks, schema failures and field assertions all point into the response with
the same `$.data[0].b64_json` paths and describe values with the same words,
so a reader never has to translate between two notations.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable

Part = str | int


class _Missing:
    """The type of MISSING."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""Returned by `lookup` when the path leads nowhere (distinct from a JSON null)."""

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_STEP = re.compile(r"""\.([A-Za-z_][A-Za-z0-9_-]*)|\[(-?\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\['([^']*)'\]""")
"""`.name`, `[0]`, `["json string"]` (as `format_path` writes odd keys) or `['plain key']`."""

_JSON_TYPES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    ((list, tuple), "array"),
    (dict, "object"),
    (type(None), "null"),
)
"""Checked in order: bool before int, because a Python bool is an int."""

SHOWN_CHARS = 40
"""How much of a string a description shows; base64 images run to megabytes."""


def format_path(parts: Iterable[Part], root: str = "$") -> str:
    """`["data", 0, "b64_json"]` -> `$.data[0].b64_json`."""
    text = root
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.match(part):
            text += f".{part}"
        else:
            text += f"[{json.dumps(part)}]"
    return text


def parse_path(text: str) -> tuple[Part, ...]:
    """`data[0].revised_prompt` or `$.data[0].revised_prompt` -> `("data", 0, "revised_prompt")`.

    Raises ValueError naming the first character that is not part of a step.
    """
    rest = text[1:] if text.startswith("$") else text
    if rest and rest[0] not in ".[":
        rest = "." + rest
    parts: list[Part] = []
    position = 0
    while position < len(rest):
        step = _STEP.match(rest, position)
        if step is None:
            raise ValueError(f"invalid path {text!r} at {rest[position:]!r}: expected .name, [index] or ['key']")
        name, index, json_key, plain_key = step.groups()
        if index is not None:
            parts.append(int(index))
        elif json_key is not None:
            parts.append(json.loads(json_key))
        else:
            parts.append(name if name is not None else plain_key)
        position = step.end()
    return tuple(parts)


def lookup(document: Any, parts: Iterable[Part]) -> Any:
    """The value at `parts`, or MISSING when any step does not exist."""
    value = document
    for part in parts:
        if isinstance(part, int) and isinstance(value, list) and -len(value) <= part < len(value):
            value = value[part]
        elif isinstance(part, str) and isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return MISSING
    return value


def json_type(value: Any) -> str:
    """The JSON Schema type name of a parsed JSON value (`integer`, `string`, ...)."""
    for python_type, name in _JSON_TYPES:
        if isinstance(value, python_type):
            return name
    return type(value).__name__


def is_json_type(value: Any, name: str) -> bool:
    """JSON Schema's reading of a type name: an integer is also a number."""
    actual = json_type(value)
    return actual == name or (name == "number" and actual == "integer")


def show(value: Any, limit: int = SHOWN_CHARS) -> str:
    """A short JSON rendering of a value, safe to put in a reason however large the value."""
    if isinstance(value, str) and len(value) > limit:
        return f"{json.dumps(value[:limit])[:-1]}…\" ({len(value)} chars)"
    if isinstance(value, (list, tuple)):
        return f"[{len(value)} items]" if value else "[]"
    if isinstance(value, dict):
        keys = ", ".join(list(map(str, value))[:5])
        return f"{{{keys}{', …' if len(value) > 5 else ''}}}"
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def describe_value(value: Any, limit: int = SHOWN_CHARS) -> str:
    """`integer 5`, `string "abc"`, `null`: the type and a short rendering, for `got ...`."""
    if value is MISSING:
        return "nothing"
    if value is None:
        return "null"
    return f"{json_type(value)} {show(value, limit)}"


def json_equal(left: Any, right: Any) -> bool:
    """Equality as JSON sees it: `1 == 1.0`, but `true != 1` and `"1" != 1`."""
    left_type, right_type = json_type(left), json_type(right)
    if {left_type, right_type} <= {"integer", "number"}:
        return bool(left == right)
    if left_type != right_type:
        return False
    if left_type == "array":
        return len(left) == len(right) and all(map(json_equal, left, right))
    if left_type == "object":
        return left.keys() == right.keys() and all(json_equal(left[key], right[key]) for key in left)
    return bool(left == right)
