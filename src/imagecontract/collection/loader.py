"""Collections: the YAML model of requests, loaded and validated against its schema.

Like Tavern, a collection is validated on load, so a typo fails before any
request is sent, with the file, the line and the path inside the file.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from imagecontract.checks import CHECKS
from imagecontract.collection.model import Collection, RequestSpec
from imagecontract.collection.slugs import slugify
from imagecontract.collection.validated import known_valid, remember_valid
from imagecontract.collection.yamlsource import YamlDocument, read_yaml
from imagecontract.errors import CollectionError, did_you_mean
from imagecontract.schema_errors import YAML_WORDS, in_words, most_relevant
from imagecontract.schemas import default_schemas_dir

if TYPE_CHECKING:
    import jsonschema

COLLECTION_SCHEMA = "collection.schema.json"

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
"""What no header value may hold (a tab may): a CR or LF would end the header, or start another one."""


@lru_cache(maxsize=None)
def bundled_validator(schema_name: str) -> jsonschema.Draft202012Validator:
    """A validator for one of the file formats the package defines (collections, targets); jsonschema is imported
    here, for a text not known valid (`validated`), so a run of known collections never imports it."""
    import jsonschema

    schema = json.loads((default_schemas_dir() / schema_name).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


@lru_cache(maxsize=None)
def _schema_bytes(schema_name: str) -> bytes:
    return (default_schemas_dir() / schema_name).read_bytes()


def validate_document(document: YamlDocument, schema_name: str, shown: str, text: bytes | None = None) -> None:
    """Raise the one `CollectionError` a person most needs: file, line, path, and what was expected.

    With the file's `text`, a text that passed before is not walked again (`validated`)."""
    if text is not None and known_valid(_schema_bytes(schema_name), text):
        return
    error = most_relevant(bundled_validator(schema_name).iter_errors(document.data))
    if error is None:
        if text is not None:
            remember_valid(_schema_bytes(schema_name), text)
        return
    location = format_location(error.absolute_path)
    line = document.line_of(list(error.absolute_path))
    where = f"{shown}:{line}" if line else shown
    raise CollectionError(where, location, in_words(error, YAML_WORDS))


def load_collection(path: Path, *, display: str | None = None) -> Collection:
    """Read, validate and model a collection file; every problem is a `CollectionError`."""
    shown = display or str(path)
    document = read_yaml(path, display=shown)
    if not isinstance(document.data, dict):
        kind = type(document.data).__name__ if document.data is not None else "an empty file"
        raise CollectionError(shown, "", f"expected a mapping with 'name' and 'requests', got {kind}")
    data = document.data
    if isinstance(data.get("as_of"), date):
        data["as_of"] = data["as_of"].isoformat()
    validate_document(document, COLLECTION_SCHEMA, shown, text=document.text.encode("utf-8"))
    defaults = data.get("defaults", {})
    requests = tuple(
        _request(item, index, defaults, document.line_of(["requests", index])) for index, item in enumerate(data["requests"])
    )
    _check_values(document, shown)
    _check_numbers(document, shown)
    collection = Collection(
        name=data["name"],
        path=path,
        requests=requests,
        variables=dict(data.get("variables") or {}),
        description=data.get("description", ""),
        strict_checks=bool(data.get("strict_checks", False)),
        as_of=_as_of(document, shown),
    )
    _check_references(collection, document, shown)
    return collection


def _as_of(document: YamlDocument, shown: str) -> date | None:
    """`as_of: YYYY-MM-DD` as a day; the schema checked its form, this its calendar."""
    text = document.data.get("as_of")
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(document, shown, ["as_of"], f"{text!r} is not a day of the calendar (expected YYYY-MM-DD)")
        raise


def _request(item: Mapping[str, Any], index: int, defaults: Mapping[str, Any], line: int | None) -> RequestSpec:
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
        line=line,
    )


def format_location(path: Sequence[str | int] | Iterable[str | int]) -> str:
    """`['requests', 2, 'expect']` -> `requests[2].expect`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


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
                    hint = did_you_mean(check, CHECKS)
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
