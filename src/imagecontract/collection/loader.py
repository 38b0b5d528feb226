"""Collections: the YAML model of requests, loaded and validated against its schema.

Like Tavern, a collection is validated on load, so a typo fails before any
request is sent, with the file, the line and the path inside the file.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from imagecontract.checks import CHECKS
from imagecontract.collection.slugs import slugify
from imagecontract.collection.yamlsource import YamlDocument, read_yaml
from imagecontract.errors import CollectionError
from imagecontract.rules import ENDPOINTS
from imagecontract.schemas import default_schemas_dir

COLLECTION_SCHEMA = "collection.schema.json"

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
"""What no header value may hold (a tab may): a CR or LF would end the header, or start another one."""


@lru_cache(maxsize=None)
def bundled_validator(schema_name: str) -> jsonschema.Draft202012Validator:
    """A validator for one of the file formats the package defines (collections, targets)."""
    schema = json.loads((default_schemas_dir() / schema_name).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def validate_document(document: YamlDocument, schema_name: str, shown: str) -> None:
    """Raise the one `CollectionError` a person most needs: file, line, path, and what was expected."""
    error = best_match(bundled_validator(schema_name).iter_errors(document.data), key=_relevance)
    if error is None:
        return
    error = _most_specific(error)
    location = format_location(error.absolute_path)
    line = document.line_of(list(error.absolute_path))
    where = f"{shown}:{line}" if line else shown
    raise CollectionError(where, location, explain(error))


@dataclass(frozen=True)
class RequestSpec:
    """One request of a collection, with the collection's defaults applied."""

    name: str
    index: int
    method: str = "POST"
    path: str | None = None
    url: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    auth: Any = None
    json: Any = None
    form: Mapping[str, Any] | None = None
    body: str | None = None
    expect: Mapping[str, Any] = field(default_factory=dict)
    save: Mapping[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    repeat: int = 1
    timeout: float | None = None
    show_images: bool = True

    @property
    def location(self) -> str:
        return f"requests[{self.index}]"

    @property
    def endpoint(self) -> str | None:
        """`generations`, `edits` or `variations` when the path or URL names one."""
        target = (self.path or self.url or "").split("?")[0].rstrip("/")
        last = target.rsplit("/", 1)[-1]
        return last if last in ENDPOINTS else None

    @property
    def stream(self) -> bool:
        body = self.json if isinstance(self.json, dict) else (self.form or {}).get("fields", {})
        return str(body.get("stream", "")).lower() == "true"

    @property
    def saved_uploads(self) -> list[str]:
        """Names of images saved by earlier requests that this request uploads."""
        return [spec["saved"] for spec in _file_specs(self.form) if "saved" in spec]


@dataclass(frozen=True)
class Collection:
    """A validated collection file."""

    name: str
    path: Path
    requests: tuple[RequestSpec, ...]
    variables: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""

    @property
    def slug(self) -> str:
        """Where its cassettes go: the path below `collections/`, e.g. `contract/errors`."""
        parts = self.path.with_suffix("").parts
        below = parts[len(parts) - 1 - parts[::-1].index("collections") + 1:] if "collections" in parts[:-1] else parts[-1:]
        return "/".join(slugify(part) for part in below)

    @property
    def directory(self) -> Path:
        return self.path.parent

    def request(self, name: str) -> RequestSpec:
        for spec in self.requests:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def producer_of(self, saved_name: str) -> RequestSpec | None:
        """The request whose `save:` defines `saved_name`."""
        for spec in self.requests:
            if saved_name in spec.save:
                return spec
        return None


def _file_specs(form: Mapping[str, Any] | None) -> Iterable[Mapping[str, Any]]:
    for value in ((form or {}).get("files") or {}).values():
        yield from value if isinstance(value, list) else [value]


def load_collection(path: Path, *, display: str | None = None) -> Collection:
    """Read, validate and model a collection file; every problem is a `CollectionError`."""
    shown = display or str(path)
    document = read_yaml(path, display=shown)
    if not isinstance(document.data, dict):
        kind = type(document.data).__name__ if document.data is not None else "an empty file"
        raise CollectionError(shown, "", f"expected a mapping with 'name' and 'requests', got {kind}")
    validate_document(document, COLLECTION_SCHEMA, shown)
    data = document.data
    defaults = data.get("defaults", {})
    requests = tuple(_request(item, index, defaults) for index, item in enumerate(data["requests"]))
    _check_values(document, shown)
    _check_numbers(document, shown)
    collection = Collection(
        name=data["name"],
        path=path,
        requests=requests,
        variables=dict(data.get("variables") or {}),
        description=data.get("description", ""),
    )
    _check_references(collection, document, shown)
    return collection


def _request(item: Mapping[str, Any], index: int, defaults: Mapping[str, Any]) -> RequestSpec:
    expect = {**defaults.get("expect", {}), **item.get("expect", {})}
    tags = tuple(dict.fromkeys([*defaults.get("tags", []), *item.get("tags", [])]))
    return RequestSpec(
        name=item["name"],
        index=index,
        method=item.get("method", "POST"),
        path=item.get("path"),
        url=item.get("url"),
        headers={**defaults.get("headers", {}), **item.get("headers", {})},
        auth=item.get("auth", defaults.get("auth")),
        json=item.get("json"),
        form=item.get("form"),
        body=item.get("body"),
        expect=expect,
        save=item.get("save", {}),
        tags=tags,
        repeat=item.get("repeat", 1),
        timeout=item.get("timeout", defaults.get("timeout")),
        show_images=item.get("show_images", True),
    )


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
        error = best_match(chosen, key=_relevance) or chosen[0]
    return error


def format_location(path: Sequence[str | int] | Iterable[str | int]) -> str:
    """`['requests', 2, 'expect']` -> `requests[2].expect`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def explain(error: ValidationError) -> str:
    """A message that says what was expected, what came, and for a typo what was meant."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        parts = []
        for key in unknown:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            parts.append(f"unknown key '{key}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        return "; ".join(parts) + f"; allowed keys: {', '.join(allowed)}"
    if error.validator == "required":
        return f"{error.message.split(' is a required')[0]} is required here"
    if error.validator == "type":
        return f"expected {_kinds(error.validator_value)}, got {_kind(error.instance)} {_short(error.instance)}"
    if error.validator == "enum":
        return f"expected one of {', '.join(map(str, error.validator_value))}, got {_short(error.instance)}"
    if error.validator == "pattern":
        return f"{_short(error.instance)} does not have the expected form ({_pattern_hint(error.validator_value)})"
    if error.validator == "oneOf" and error.context and all(sub.validator == "required" for sub in error.context):
        needed = [sub.message.split("'")[1] for sub in error.context]
        return f"needs exactly one of {', '.join(repr(key) for key in needed)}"
    if error.validator == "not":
        return "use only one body: 'json', 'form' or 'body'"
    return error.message


_PATTERN_HINTS = {
    "^([0-9]+x[0-9]+|auto|\\{\\{[^{}]+\\}\\})$": "a size such as 512x512, auto, or a {{variable}}",
    "^/": "a path starting with /, joined to the target's base URL",
    "^(https?://|\\{\\{)": "a full http(s):// URL",
    "^[A-Za-z_][A-Za-z0-9_]*$": "letters, digits and _ only",
    "\\.json$": "a .json file under schemas/",
    "^https?://": "an http(s):// base URL including /v1",
    "^[A-Za-z0-9][A-Za-z0-9_.-]*$": "letters, digits, _, . and - only",
    "^[A-Za-z_][A-Za-z0-9_.-]*$": "a name of letters, digits, _, . and -, starting with a letter or _",
}


def _pattern_hint(pattern: str) -> str:
    return _PATTERN_HINTS.get(pattern, f"pattern {pattern}")


_KIND_NAMES = {
    dict: "a mapping",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    type(None): "null",
}


def _kind(value: Any) -> str:
    return _KIND_NAMES.get(type(value), type(value).__name__)


def _kinds(expected: str | list[str]) -> str:
    names = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
             "number": "a number", "boolean": "a boolean", "null": "null"}
    kinds = [expected] if isinstance(expected, str) else expected
    return " or ".join(names.get(kind, kind) for kind in kinds)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_values(document: YamlDocument, shown: str) -> None:
    """What the schema leaves open: header text must be ASCII, and check names must name checks."""
    data = document.data
    places: list[list[str | int]] = [["defaults"], *(["requests", index] for index in range(len(data["requests"])))]
    for place in places:
        section = _section(data, place)
        for name, value in (section.get("headers") or {}).items():
            if not f"{name}{value}".isascii():
                _fail(document, shown, [*place, "headers", name],
                      f"{value!r} is not ASCII; HTTP headers carry ASCII only (put such text in the body, or percent-encode it)")
            if CONTROL_CHARACTERS.search(f"{name}{value}"):
                _fail(document, shown, [*place, "headers", name],
                      f"{value!r} holds a line break or control character; a header value is one line of text")
        for key in ("checks", "skip_checks"):
            for index, check in enumerate((section.get("expect") or {}).get(key) or []):
                if check not in CHECKS:
                    close = difflib.get_close_matches(check, list(CHECKS), n=1)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    _fail(document, shown, [*place, "expect", key, index],
                          f"unknown check {check!r}{hint}; known checks: {', '.join(CHECKS)}")


def non_finite(value: Any) -> tuple[list[str | int], str] | None:
    """The place of the first NaN or infinity in `value` and how YAML spells it: no JSON body can hold one."""
    pending: list[tuple[list[str | int], Any]] = [([], value)]
    while pending:
        place, item = pending.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return place, ".nan" if math.isnan(item) else (".inf" if item > 0 else "-.inf")
        items = item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
        pending += [([*place, key], child) for key, child in reversed(list(items))]
    return None


NON_FINITE_FIX = "is not a number JSON can carry; use a finite number, or a raw `body:` for a malformed-input case"


def _check_numbers(document: YamlDocument, shown: str) -> None:
    """`.nan` and `.inf` are YAML numbers that no JSON body (or expectation of one) can hold."""
    found = non_finite(document.data)
    if found:
        _fail(document, shown, found[0], f"{found[1]} {NON_FINITE_FIX}")


def _section(data: Any, place: Sequence[str | int]) -> Any:
    """The value at `place` (`["requests", 0]`) of a validated document, `{}` where a section is absent."""
    for part in place:
        data = data[part] if isinstance(part, int) else data.get(part) or {}
    return data


def _fail(document: YamlDocument, shown: str, place: list[str | int], message: str) -> None:
    line = document.line_of(place)
    raise CollectionError(f"{shown}:{line}" if line else shown, format_location(place), message)


def _check_references(collection: Collection, document: YamlDocument, shown: str) -> None:
    """Names must be unique, and every `saved:` upload must come from an earlier request."""
    seen: dict[str, int] = {}
    files: dict[str, RequestSpec] = {}
    saved_before: set[str] = set()
    for spec in collection.requests:
        line = document.line_of(["requests", spec.index, "name"])
        if spec.name in seen:
            raise CollectionError(
                f"{shown}:{line}", f"{spec.location}.name",
                f"duplicate request name {spec.name!r} (also requests[{seen[spec.name]}]); names must be unique",
            )
        seen[spec.name] = spec.index
        other = files.setdefault(slugify(spec.name), spec)
        if other is not spec:
            raise CollectionError(
                f"{shown}:{line}", f"{spec.location}.name",
                f"{spec.name!r} and {other.name!r} ({other.location}) would share the cassette file "
                f"{slugify(spec.name)}.yaml; rename one of them so they differ in more than case and punctuation",
            )
        for name in spec.saved_uploads:
            if name not in saved_before:
                line = document.line_of(["requests", spec.index, "form"])
                known = ", ".join(sorted(saved_before)) or "none"
                raise CollectionError(
                    f"{shown}:{line}", f"{spec.location}.form.files",
                    f"uploads saved image {name!r}, but no earlier request saves it (saved so far: {known})",
                )
        saved_before.update(spec.save)
