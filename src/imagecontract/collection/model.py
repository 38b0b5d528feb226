"""The collection model: a collection, its requests with the defaults applied, and what each expects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable, Mapping

from imagecontract.collection.slugs import slugify
from imagecontract.collection.templating import placeholders
from imagecontract.rules import ENDPOINTS, effective_model

NOT_COLLECTIONS = frozenset({"targets.yaml", "targets.yml"})
"""YAML files under collections/ that are configuration, not requests."""

DEFAULT_STATUS = 200


@dataclass(frozen=True)
class Expectation:
    """What a request expects of its answer, typed where code decides on it: the status, 200 unless stated."""

    status: int = DEFAULT_STATUS
    any_client_error: bool = False
    """`expect.retired` with no status: no source quotes the real API's status for a retired model, so any 4xx."""

    @classmethod
    def of(cls, expect: Mapping[str, Any]) -> Expectation:
        """The typed view of an `expect:` mapping (the collection schema makes `status` an integer)."""
        return cls(status=int(expect.get("status", DEFAULT_STATUS)),
                   any_client_error="retired" in expect and "status" not in expect)

    @property
    def expects_error(self) -> bool:
        return self.status >= 400 or self.any_client_error

    def accepts(self, status: int) -> bool:
        return 400 <= status < 500 if self.any_client_error else status == self.status

    @property
    def described(self) -> str:
        return "a 4xx client error" if self.any_client_error else str(self.status)


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
    line: int | None = None
    """The 1-based line of the request in its YAML file."""

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
    def params(self) -> Mapping[str, Any]:
        """The request's parameters: its JSON body, or its form's text fields (none for a raw body)."""
        if isinstance(self.json, Mapping):
            return self.json
        return (self.form or {}).get("fields") or {}

    @property
    def file_fields(self) -> list[str]:
        """The names of the files the form uploads (`image`, `image[]`, `mask`)."""
        return list((self.form or {}).get("files") or {})

    @property
    def model(self) -> str:
        """The model the request names, else the one its endpoint defaults to today (may hold a `{{variable}}`)."""
        return self.model_as_of(None)

    def model_as_of(self, day: date | None) -> str:
        """The model the request names, else the one its endpoint defaults to on `day` (today when None)."""
        return effective_model(self.params, self.endpoint, self.file_fields, as_of=day)

    @property
    def expectation(self) -> Expectation:
        return Expectation.of(self.expect)

    @property
    def stream(self) -> bool:
        return str(self.params.get("stream", "")).lower() == "true"

    @property
    def saved_uploads(self) -> list[str]:
        """Names of images saved by earlier requests that this request uploads."""
        return [spec["saved"] for spec in _file_specs(self.form) if "saved" in spec]

    @cached_property
    def uses(self) -> frozenset[str]:
        """Names of saved images and saved values this request needs from earlier requests (and variables);
        worked out once, as a run asks for every request's chain."""
        texts = [self.path, self.url, dict(self.headers), self.json, dict(self.form or {}), self.body, self.auth,
                 dict(self.expect)]
        return frozenset(self.saved_uploads) | placeholders(texts)


@dataclass(frozen=True)
class Collection:
    """A validated collection file."""

    name: str
    path: Path
    requests: tuple[RequestSpec, ...]
    variables: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    strict_checks: bool = False
    """Advisory findings fail this collection's tests (`strict_checks: true`), as `--strict-checks` does for a run."""
    as_of: date | None = None
    """The day of the API the collection was written for (its requests' defaults); None: the target's day."""

    @property
    def slug(self) -> str:
        """Where its cassettes go: the path below `collections/`, e.g. `contract/errors`."""
        return cassette_folder(self.path)

    @property
    def directory(self) -> Path:
        return self.path.parent

    def request(self, name: str) -> RequestSpec:
        for spec in self.requests:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def producer_of(self, saved_name: str, before: int | None = None) -> RequestSpec | None:
        """The request whose `save:` defines `saved_name`: the last one before request `before`, when given
        (what a whole run would have saved by then), else the first."""
        found = [spec for spec in self.requests if saved_name in spec.save and (before is None or spec.index < before)]
        return (found[-1] if before is not None else found[0]) if found else None


def cassette_folder(path: Path) -> str:
    """The cassette folder of the collection file at `path`: its path below `collections/`, slugged part by part."""
    parts = path.with_suffix("").parts
    below = parts[len(parts) - 1 - parts[::-1].index("collections") + 1:] if "collections" in parts[:-1] else parts[-1:]
    return "/".join(slugify(part) for part in below)


def _file_specs(form: Mapping[str, Any] | None) -> Iterable[Mapping[str, Any]]:
    for value in ((form or {}).get("files") or {}).values():
        yield from value if isinstance(value, list) else [value]
