"""`expect.fields`: assertions on values at JSON paths of the response body.

A path maps to a literal (equality) or to an object of operators; an object
counts as operators only when every key is an operator name.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from imagecontract.checks.conditions import expects
from imagecontract.checks.registry import CheckContext, check
from imagecontract.exchange import Exchange, Failure
from imagecontract.jsonpath import (
    MISSING,
    describe_value,
    format_path,
    is_json_type,
    json_equal,
    lookup,
    parse_path,
    show,
)


def _is_number(value: Any) -> bool:
    return is_json_type(value, "number")


def _matches(value: Any, pattern: str) -> bool:
    return isinstance(value, str) and re.search(pattern, value) is not None


OPERATORS: dict[str, tuple[Callable[[Any, Any], bool], Callable[[Any], str]]] = {
    "type": (is_json_type, str),
    "equals": (json_equal, show),
    "matches": (_matches, lambda pattern: f"a string matching /{pattern}/"),
    "gte": (lambda value, bound: _is_number(value) and value >= bound, lambda bound: f"at least {bound}"),
    "lte": (lambda value, bound: _is_number(value) and value <= bound, lambda bound: f"at most {bound}"),
    "len": (lambda value, size: isinstance(value, (str, list, dict)) and len(value) == size, "length {}".format),
}
"""Operator name -> (holds(actual, operand), what it expects in words). `exists` is handled apart."""

OPERATOR_NAMES = frozenset(OPERATORS) | {"exists"}


@check(applies=expects("fields"))
def field_assertions(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """Each `expect.fields` path holds the expected value or satisfies its operators."""
    body = exchange.response.json_or_none()
    if body is None:
        kind = exchange.response.content_type or "no content type"
        return [Failure("field_assertions", f"expected a JSON body to assert fields on, got {kind}")]
    failures = []
    for text, spec in (exchange.expect["fields"] or {}).items():
        try:
            path = parse_path(text)
        except ValueError as error:
            failures.append(Failure("field_assertions", f"expect.fields: {error}"))
            continue
        operators = spec if isinstance(spec, dict) and spec and spec.keys() <= OPERATOR_NAMES else {"equals": spec}
        reasons = _unmet(lookup(body, path), operators)
        failures += [Failure("field_assertions", reason, format_path(path)) for reason in reasons]
    return failures


def _unmet(actual: Any, operators: dict[str, Any]) -> list[str]:
    """What each unmet operator expected, and what came."""
    if "exists" in operators and (actual is not MISSING) != bool(operators["exists"]):
        wanted = "the field to exist" if operators["exists"] else "no such field"
        return [f"expected {wanted}, got {describe_value(actual)}"]
    if actual is MISSING and not operators.get("exists", True):
        return []
    reasons = []
    for name, operand in operators.items():
        if name == "exists":
            continue
        holds, expected = OPERATORS[name]
        try:
            met = holds(actual, operand)
        except (TypeError, re.error) as error:
            reasons.append(f"cannot apply {name} {show(operand)}: {error}")
            continue
        if not met:
            reasons.append(f"expected {expected(operand)}, got {describe_value(actual)}")
    return reasons
