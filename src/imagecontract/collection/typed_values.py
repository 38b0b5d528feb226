"""Typed values from untyped sources: a Postman environment (or a data file) holds only text, so `n` = "2"
would be sent as the string "2" and refused with a 400. Where the Images API wants a number or a boolean
(`rules.PARAM_TYPES`) and the body's value is exactly one `{{placeholder}}`, text that reads as that type is
sent as it; a literal string in the collection is sent as written (error cases send wrong types on purpose).
"""

from __future__ import annotations

from typing import Any, Mapping

from imagecontract.collection.templating import PLACEHOLDER, scalar
from imagecontract.rules import PARAM_TYPES

TYPED = (int, float, bool)


def typed_body(template: Any, rendered: Any) -> Any:
    """`rendered` (a JSON body) with each whole-placeholder parameter given the type the API wants."""
    if not isinstance(template, Mapping) or not isinstance(rendered, dict):
        return rendered
    return {name: _typed(name, template.get(name), value) for name, value in rendered.items()}


def _typed(name: str, written: Any, value: Any) -> Any:
    wanted = PARAM_TYPES.get(name)
    if wanted not in TYPED or not isinstance(value, str) or not isinstance(written, str):
        return value
    if not PLACEHOLDER.fullmatch(written.strip()):
        return value
    read = scalar(value)
    if isinstance(read, bool) != (wanted is bool) or not isinstance(read, wanted):
        return value
    return read
