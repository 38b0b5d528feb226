"""JSON Schema errors in words: one translator, for the people who write collections and for response checks.

`explain` says, per keyword, what was expected and what came. The two audiences
read values differently, so each has its `Words`: collection authors see YAML's
kinds (`a mapping`), a hint for each pattern and a suggestion for a mistyped key;
response checks see JSON's types (`object`) and one reason per missing property.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from imagecontract.errors import did_you_mean
from imagecontract.jsonpath import describe_value, show

if TYPE_CHECKING:  # jsonschema is imported where an error is explained: a run of valid bodies never needs it
    from jsonschema.exceptions import ValidationError

Path = list[str | int]
Said = Callable[["ValidationError", "Words"], "list[str] | None"]
"""A keyword said its own way: the reasons, or None to fall back to the table."""


@dataclass(frozen=True)
class Words:
    """How one audience reads schema errors."""

    expected: Mapping[str, Callable[[Any], str]]
    """What a keyword asked for, in words, keyed by JSON Schema keyword: `expected <this>, got <value>`."""
    got: Callable[[Any], str]
    """The value that came, after `got`."""
    fallback: Callable[[ValidationError], str]
    """A keyword neither table nor `said` knows."""
    said: Mapping[str, Said] = field(default_factory=dict)


def explain(error: ValidationError, words: Words) -> list[tuple[Path, str]]:
    """(path, reason) pairs for one validation error, saying what was expected and what came."""
    path = list(error.absolute_path)
    special = words.said.get(str(error.validator))
    reasons = special(error, words) if special is not None else None
    if reasons is not None:
        return [(path, reason) for reason in reasons]
    expected = words.expected.get(str(error.validator))
    if expected is None:
        return [(path, words.fallback(error))]
    return [(path, f"expected {expected(error.validator_value)}, got {words.got(error.instance)}")]


def in_words(error: ValidationError, words: Words) -> str:
    """The reasons for one error as one message."""
    return "; ".join(reason for _, reason in explain(error, words))


def most_relevant(errors: Iterable[ValidationError]) -> ValidationError | None:
    """The one error a person most needs: the deepest, inside the `oneOf` branch they meant."""
    from jsonschema.exceptions import best_match

    error = best_match(errors, key=_relevance)
    return None if error is None else _most_specific(error)


def _relevance(error: ValidationError) -> tuple[int, int]:
    """Prefer deep errors, and among equals an unknown key over a type mismatch."""
    return (len(error.absolute_path), error.validator == "additionalProperties")


def _most_specific(error: ValidationError) -> ValidationError:
    """Descend a `oneOf` into the branch the author meant: the one naming most of their keys."""
    while error.validator in ("oneOf", "anyOf") and error.context:
        if all(sub.validator == "required" for sub in error.context):
            return error
        branches: dict[int, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.schema_path[0], []).append(sub)
        keys = set(error.instance) if isinstance(error.instance, dict) else set()

        def fit(index: int) -> tuple[int, int]:
            properties = error.validator_value[index].get("properties", {})
            return (len(keys & set(properties)), -len(branches[index]))

        chosen = branches[max(branches, key=fit)]
        from jsonschema.exceptions import best_match

        error = best_match(chosen, key=_relevance) or chosen[0]
    return error


# --------------------------------------------------------------------------- responses: JSON's words

def _types(value: str | list[str]) -> str:
    return " or ".join([value] if isinstance(value, str) else value)


def _missing(error: ValidationError, words: Words) -> list[str]:
    return [f"required property {key!r} is missing" for key in error.validator_value if key not in error.instance]


def _none_of(error: ValidationError, words: Words) -> list[str]:
    branches = [reason for sub in error.context or () for _, reason in explain(sub, words)]
    return ["matches none of the allowed forms: " + "; or ".join(dict.fromkeys(branches))]


JSON_WORDS = Words(
    expected={
        "type": _types,
        "const": show,
        "enum": lambda values: "one of " + ", ".join(map(show, values)),
        "minimum": lambda value: f"at least {value}",
        "maximum": lambda value: f"at most {value}",
        "exclusiveMinimum": lambda value: f"more than {value}",
        "exclusiveMaximum": lambda value: f"less than {value}",
        "minLength": lambda value: f"at least {value} characters",
        "maxLength": lambda value: f"at most {value} characters",
        "minItems": lambda value: f"at least {value} items",
        "maxItems": lambda value: f"at most {value} items",
        "pattern": lambda value: f"a string matching /{value}/",
    },
    got=describe_value,
    fallback=lambda error: f"fails {error.validator} {show(error.validator_value)}; got {describe_value(error.instance)}",
    said={"required": _missing, "anyOf": _none_of, "oneOf": _none_of},
)
"""Response checks: JSON's type names, every missing property, every failed alternative."""


# --------------------------------------------------------------------------- collections: YAML's words

_PATTERN_HINTS = {
    "^([0-9]+x[0-9]+|auto|\\{\\{[^{}]+\\}\\})$": "a size such as 512x512, auto, or a {{variable}}",
    "^/": "a path starting with /, joined to the target's base URL",
    "^(https?://|\\{\\{)": "a full http(s):// URL",
    "^[A-Za-z_][A-Za-z0-9_]*$": "letters, digits and _ only",
    "\\.json$": "a .json file under schemas/",
    "^https?://": "an http(s):// base URL including /v1",
    "^[A-Za-z0-9][A-Za-z0-9_.-]*$": "letters, digits, _, . and - only",
    "^[A-Za-z_][A-Za-z0-9_.-]*$": "a name of letters, digits, _, . and -, starting with a letter or _",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "a day as YYYY-MM-DD, e.g. 2025-06-01",
}

_KIND_NAMES = {
    dict: "a mapping",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    type(None): "null",
}

_TYPE_NAMES = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
               "number": "a number", "boolean": "a boolean", "null": "null"}


def _kind(value: Any) -> str:
    return _KIND_NAMES.get(type(value), type(value).__name__)


def _kinds(expected: str | list[str]) -> str:
    kinds = [expected] if isinstance(expected, str) else expected
    return " or ".join(_TYPE_NAMES.get(kind, kind) for kind in kinds)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unknown_keys(error: ValidationError, words: Words) -> list[str]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    allowed = sorted(schema.get("properties", {}))
    unknown = sorted(set(error.instance) - set(allowed))
    parts = [f"unknown key '{key}'" + did_you_mean(str(key), allowed, lambda close: f"'{close}'") for key in unknown]
    return ["; ".join(parts) + f"; allowed keys: {', '.join(allowed)}"]


def _one_of_keys(error: ValidationError, words: Words) -> list[str] | None:
    if not error.context or not all(sub.validator == "required" for sub in error.context):
        return None
    needed = [sub.message.split("'")[1] for sub in error.context]
    return [f"needs exactly one of {', '.join(repr(key) for key in needed)}"]


YAML_WORDS = Words(
    expected={"type": _kinds},
    got=lambda value: f"{_kind(value)} {_short(value)}",
    fallback=lambda error: error.message,
    said={
        "additionalProperties": _unknown_keys,
        "required": lambda error, words: [f"{error.message.split(' is a required')[0]} is required here"],
        "enum": lambda error, words: [f"expected one of {', '.join(map(str, error.validator_value))}, "
                                      f"got {_short(error.instance)}"],
        "pattern": lambda error, words: [f"{_short(error.instance)} does not have the expected form "
                                         f"({_PATTERN_HINTS.get(error.validator_value, f'pattern {error.validator_value}')})"],
        "oneOf": _one_of_keys,
        "not": lambda error, words: ["use only one body: 'json', 'form' or 'body'"],
    },
)
"""Collection, environment and targets files: YAML's kinds, a hint per pattern, a suggestion per mistyped key."""
