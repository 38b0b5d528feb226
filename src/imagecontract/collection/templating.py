"""Postman-style `{{name}}` templating over strings, lists and mappings.

A value that is exactly one `{{name}}` keeps the variable's type, so
`n: "{{numberOfImages}}"` sends the number 1, not the string "1". An unknown
variable is an error, never an empty string.
"""

from __future__ import annotations

import re
from collections import ChainMap
from typing import Any, Iterable, Mapping

import yaml

from imagecontract.errors import TemplateError, did_you_mean

PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")

VARIABLE_SOURCES = (
    "under `variables:` in the collection, in an --env-file, with --var NAME=VALUE, or in the environment"
)


def layered(*layers: Mapping[str, Any]) -> ChainMap[str, Any]:
    """Variables looked up in the given order: the first layer that has a name wins."""
    return ChainMap(*[dict(layer) for layer in layers])


def render(value: Any, variables: Mapping[str, Any], *, where: str = "") -> Any:
    """Substitute every placeholder in `value`, recursing into lists and mappings."""
    if isinstance(value, str):
        return _render_text(value, variables, where)
    if isinstance(value, list):
        return [render(item, variables, where=f"{where}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, dict):
        return {key: render(item, variables, where=f"{where}.{key}" if where else str(key)) for key, item in value.items()}
    return value


def _render_text(text: str, variables: Mapping[str, Any], where: str, chain: tuple[str, ...] = ()) -> Any:
    whole = PLACEHOLDER.fullmatch(text.strip())
    if whole:
        return _lookup(whole.group(1), variables, where, chain)
    return PLACEHOLDER.sub(lambda match: _as_text(_lookup(match.group(1), variables, where, chain)), text)


def _lookup(name: str, variables: Mapping[str, Any], where: str, chain: tuple[str, ...] = ()) -> Any:
    """A variable's value; one that holds placeholders itself (`{{a}}` = "{{b}} x") is resolved in turn, as
    Postman does, and a variable that reaches itself is refused, naming the loop."""
    if name in chain:
        loop = " -> ".join(f"{{{{{step}}}}}" for step in (*chain[chain.index(name):], name))
        place = f"{where}: " if where else ""
        raise TemplateError(f"{place}variables refer to each other in a loop ({loop}); give one of them a plain value")
    if name in variables:
        value = variables[name]
        if isinstance(value, str) and PLACEHOLDER.search(value):
            return _render_text(value, variables, where, (*chain, name))
        return value
    hint = did_you_mean(name, variables, lambda close: f"'{{{{{close}}}}}'")
    place = f"{where}: " if where else ""
    inside = f" (in the value of '{{{{{chain[-1]}}}}}')" if chain else ""
    raise TemplateError(f"{place}unknown variable '{{{{{name}}}}}'{inside}{hint}; define it {VARIABLE_SOURCES}")


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def placeholders(value: Any) -> set[str]:
    """Every variable name `value` refers to, for listing what a run needs."""
    if isinstance(value, str):
        return set(PLACEHOLDER.findall(value))
    items: Iterable[Any] = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    names: set[str] = set()
    for item in items:
        names |= placeholders(item)
    return names


def parse_assignments(pairs: Iterable[str]) -> dict[str, Any]:
    """`["size=512x512", "n=2"]` -> `{"size": "512x512", "n": 2}`, for `--var`.

    Values are read as YAML scalars, as a Postman environment keeps numbers numbers.
    """
    result: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise TemplateError(f"--var {pair!r}: expected NAME=VALUE, e.g. --var size=512x512")
        result[name.strip()] = scalar(value)
    return result


def scalar(text: str) -> Any:
    """`"2"` -> 2, `"true"` -> True, anything else stays text."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, (int, float, bool)) else text
