"""The response JSON Schemas under `schemas/`: loaded by file name, checked, and used to judge bodies.

Every file is checked against the 2020-12 metaschema and every `$ref` in it is
resolved when it is first used, so a broken schema fails with the file and
the reference named instead of as a confusing response failure. References
are relative file names resolved among the sibling files; nothing is fetched.

A body is first asked of jsonschema-rs (compiled, about 500 times faster here: half a millisecond of every
request went to judging its body in Python); only a body it finds invalid goes through jsonschema, which
words the failures and stays the judge. Schemas whose verdict may depend on the regex dialect (`pattern`,
`patternProperties`) or on format assertions go through jsonschema alone. jsonschema (with `referencing`) is
imported only then, or when a schema file is new: a file that passed the metaschema before is remembered by
its text (`collection.validated`), so a run whose bodies are all valid never imports it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import urldefrag, urljoin

import jsonschema_rs

import imagecontract
from imagecontract.collection.validated import known_valid, remember_valid
from imagecontract.errors import SchemaError
from imagecontract.exchange import Failure
from imagecontract.jsonpath import format_path
from imagecontract.schema_errors import JSON_WORDS, explain

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.exceptions import Unresolvable

CHECK_NAME = "response_schema"
DIALECT_KEYWORDS = frozenset({"pattern", "patternProperties", "format"})
"""Keywords whose verdict differs between Python's `re` and Rust's regex, or between format checkers."""
_FAST_BASE = "file:///imagecontract-schemas/"
METASCHEMA = b"https://json-schema.org/draft/2020-12/schema"
"""What a schema file is checked against, as `collection.validated` names it."""


def default_schemas_dir(rootdir: Path | None = None) -> Path:
    """The schemas to use: `<rootdir>/schemas` when the caller's project has one,
    else the copy installed with the package, else the source tree's `schemas/`."""
    candidates = [
        *([Path(rootdir) / "schemas"] if rootdir is not None else []),
        Path(imagecontract.__file__).parent / "_schemas",
        Path(__file__).resolve().parents[2] / "schemas",
    ]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    looked = ", ".join(str(candidate) for candidate in candidates)
    raise SchemaError(f"no schemas directory found; looked in {looked}")


class SchemaStore:
    """The schema files of one directory, loaded on demand and validated once."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._documents: dict[str, Any] = {}
        self._validators: dict[str, Draft202012Validator] = {}
        self._fast: dict[str, jsonschema_rs.Validator | None] = {}
        self._registry: Registry | None = None

    @classmethod
    def default(cls, rootdir: Path | None = None) -> SchemaStore:
        """The store of `default_schemas_dir(rootdir)`."""
        return cls(default_schemas_dir(rootdir))

    def names(self) -> list[str]:
        """The schema files available, by file name."""
        return sorted(path.name for path in self.directory.glob("*.json"))

    def schema(self, name: str) -> Any:
        """The parsed, metaschema-checked contents of `name`."""
        if name not in self._documents:
            self._documents[name] = self._read(name)
        return self._documents[name]

    def validator(self, name: str) -> Draft202012Validator:
        """A validator for `name` whose every `$ref`, here and in the files it refers to, resolves."""
        if name not in self._validators:
            from jsonschema import Draft202012Validator

            self._check_references(name, seen=set())
            self._validators[name] = Draft202012Validator(self.schema(name), registry=self.registry)
        return self._validators[name]

    @property
    def registry(self) -> Registry:
        """`referencing`'s registry of the sibling files, resolving each `$ref` (made on first use)."""
        if self._registry is None:
            from referencing import Registry

            self._registry = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]
        return self._registry

    def validate(self, instance: Any, name: str, at: str = "$") -> list[Failure]:
        """One Failure per way `instance` breaks schema `name`; `at` is the path of `instance` in the response."""
        fast = self.fast_validator(name)
        try:
            if fast is not None and fast.is_valid(instance):
                return []
        except (ValueError, TypeError, OverflowError):  # a value JSON cannot hold: jsonschema judges it
            pass
        failures = [
            Failure(CHECK_NAME, reason, format_path(path, root=at))
            for error in self.validator(name).iter_errors(instance)
            for path, reason in explain(error, JSON_WORDS)
        ]
        return list(dict.fromkeys(failures))

    def fast_validator(self, name: str) -> jsonschema_rs.Validator | None:
        """jsonschema-rs's validator for `name`, or None where its verdict might differ from jsonschema's."""
        if name not in self._fast:
            try:
                names = _referenced_files(self, name)
                dialect = any(keyword in DIALECT_KEYWORDS for file in names for keyword in _keywords(self.schema(file)))
                self._fast[name] = None if dialect else jsonschema_rs.validator_for(
                    self.schema(name), base_uri=_FAST_BASE + name, validate_formats=False,
                    retriever=lambda uri: self.schema(uri.removeprefix(_FAST_BASE)))
            except (SchemaError, ValueError, jsonschema_rs.ReferencingError):
                self.validator(name)  # jsonschema's checks name the file and the reference that fail
                self._fast[name] = None
        return self._fast[name]

    def _path(self, name: str) -> Path:
        if Path(name).name != name or name in ("", ".", ".."):
            raise SchemaError(
                f"{name!r} is not a file name in {self.directory}; schemas and $refs name sibling files "
                f"(e.g. 'usage.schema.json') and nothing is fetched"
            )
        return self.directory / name

    def _read(self, name: str) -> Any:
        path = self._path(name)
        if not path.is_file():
            available = ", ".join(self.names()) or "none"
            raise SchemaError(f"{path}: no such schema file (available in {self.directory}: {available})")
        text = path.read_bytes()
        try:
            document = json.loads(text.decode("utf-8"))
        except json.JSONDecodeError as error:
            raise SchemaError(f"{path}: not valid JSON: {error.msg} at line {error.lineno} column {error.colno}")
        if known_valid(METASCHEMA, text):
            return document
        import jsonschema

        try:
            jsonschema.Draft202012Validator.check_schema(document)
        except jsonschema.exceptions.SchemaError as error:
            where = format_path(error.absolute_path)
            raise SchemaError(f"{path}: not a valid JSON Schema 2020-12 at {where}: {error.message}") from None
        remember_valid(METASCHEMA, text)
        return document

    def _retrieve(self, uri: str) -> Resource:
        """Resolve a `$ref` to a sibling file; anything else (a URL) is refused, never fetched."""
        from referencing import Resource
        from referencing.jsonschema import DRAFT202012

        return Resource.from_contents(self.schema(uri), default_specification=DRAFT202012)

    def _check_references(self, name: str, seen: set[str]) -> None:
        from referencing.exceptions import Unresolvable

        seen.add(name)
        resolver = self.registry.resolver(base_uri=name)
        for ref in _references(self.schema(name)):
            try:
                resolver.lookup(ref)
            except Unresolvable as error:
                raise SchemaError(
                    f"{self.directory / name}: $ref {ref!r} cannot be resolved: {_unresolvable_reason(error)}"
                ) from None
            target = urldefrag(urljoin(name, ref)).url
            if target and target not in seen:
                self._check_references(target, seen)


def _referenced_files(store: SchemaStore, name: str) -> set[str]:
    """`name` and every schema file it refers to, directly or not."""
    found, pending = set(), [name]
    while pending:
        file = pending.pop()
        if file not in found:
            found.add(file)
            pending += [target for ref in _references(store.schema(file)) if (target := urldefrag(urljoin(file, ref)).url)]
    return found


def _keywords(node: Any) -> Iterator[str]:
    """Every key of every object in a schema document (property names too: a superset of its keywords)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _keywords(value)
    elif isinstance(node, list):
        for item in node:
            yield from _keywords(item)


def _references(node: Any) -> Iterator[str]:
    """Every `$ref` string in a schema document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def _unresolvable_reason(error: Unresolvable) -> str:
    from referencing.exceptions import PointerToNowhere

    if isinstance(error, PointerToNowhere):
        return f"the pointer {error.ref!r} leads nowhere in that file"
    cause = error.__cause__.__cause__ if error.__cause__ is not None else None
    return str(cause) if cause is not None else str(error)


