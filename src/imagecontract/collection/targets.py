"""Named targets: `collections/targets.yaml`, validated on load, and what `--target NAME` resolves to.

A target is a base URL, the environment variable holding its key, and the
capabilities it declares it does not offer. A request matching such a
capability is skipped with the target's reason instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, Iterable

from _pytest.mark.expression import Expression

from imagecontract.collection.loader import validate_document
from imagecontract.collection.yamlsource import read_yaml
from imagecontract.errors import CollectionError, UnknownTarget, did_you_mean

TARGETS_FILE = Path("collections") / "targets.yaml"
"""Where the targets live, relative to the project's root directory."""

TARGETS_SCHEMA = "targets.schema.json"

NODE_ID_MARKERS = ("::", "/", ".yaml", ".yml")
"""A capability containing one of these names part of a test id, not a mark expression."""


@dataclass(frozen=True)
class Unsupported:
    """A capability a target declares it lacks: a mark expression or a part of a test id."""

    capability: str
    reason: str

    def matches(self, nodeid: str, marks: Collection[str]) -> bool:
        """Whether a test (its id and the names of its marks) needs this capability."""
        expression = _expression(self.capability)
        if expression is None:
            return self.capability in nodeid
        return expression.evaluate(lambda name, **kwargs: name in marks)


@dataclass(frozen=True)
class Target:
    """One entry of the targets file."""

    name: str
    base_url: str
    api_key_env: str
    unsupported: tuple[Unsupported, ...] = ()
    description: str = ""
    allow: tuple[str, ...] = ()
    """Sandwich mode: differences the gateway may make on purpose (`image_url_host`, `request_field:NAME`,
    `response_field:PATH`)."""
    overhead_budget: float | None = None
    """Sandwich mode: seconds the gateway may add to each request."""

    def skip_reason(self, nodeid: str, marks: Iterable[str]) -> str | None:
        """`declared unsupported by NAME: REASON` for the first declared capability the test needs."""
        names = frozenset(marks)
        for entry in self.unsupported:
            if entry.matches(nodeid, names):
                return f"declared unsupported by {self.name}: {entry.reason}"
        return None


@dataclass(frozen=True)
class Targets:
    """The targets of one file, by name."""

    path: Path
    targets: dict[str, Target] = field(default_factory=dict)

    def get(self, name: str) -> Target:
        """The target called `name`, or UnknownTarget listing the known ones with a suggestion."""
        if name in self.targets:
            return self.targets[name]
        hint = did_you_mean(name, self.targets)
        known = ", ".join(self.targets) or "none"
        raise UnknownTarget(
            f"--target {name!r}: no such target in {self.path}{hint}; known targets: {known} "
            f"(or give a URL such as https://gateway.example/v1)"
        )


def _expression(capability: str) -> Expression | None:
    """The capability as a mark expression, or None when it names part of a test id."""
    if any(marker in capability for marker in NODE_ID_MARKERS):
        return None
    try:
        return Expression.compile(capability)
    except SyntaxError:
        return None


def load_targets(path: Path, *, display: str | None = None) -> Targets:
    """Read and validate a targets file; every problem is a `CollectionError` naming file, line and path."""
    shown = display or str(path)
    document = read_yaml(path, display=shown)
    validate_document(document, TARGETS_SCHEMA, shown)
    targets: dict[str, Target] = {}
    for index, entry in enumerate(document.data):
        if entry["name"] in targets:
            line = document.line_of([index, "name"])
            raise CollectionError(f"{shown}:{line}", f"[{index}].name", f"duplicate target name {entry['name']!r}")
        targets[entry["name"]] = Target(
            name=entry["name"],
            base_url=entry["base_url"],
            api_key_env=entry["api_key_env"],
            unsupported=tuple(Unsupported(item["capability"], item["reason"]) for item in entry.get("unsupported", [])),
            description=entry.get("description", ""),
            allow=tuple(entry.get("gateway", {}).get("allow", ())),
            overhead_budget=entry.get("gateway", {}).get("overhead_budget"),
        )
    return Targets(path=Path(shown), targets=targets)


def resolve_target(value: str, rootdir: Path) -> Target:
    """`--target VALUE`: a URL (anything with `://`) as it is, else a name in `<rootdir>/collections/targets.yaml`.

    A URL becomes an anonymous target with no declared gaps and no key variable of its own."""
    if "://" in value:
        return Target(name=value, base_url=checked_url(value), api_key_env="")
    path = rootdir / TARGETS_FILE
    if not path.exists():
        raise UnknownTarget(
            f"--target {value!r} is not a URL and there is no targets file {TARGETS_FILE} to name it "
            f"(give a base URL such as https://gateway.example/v1)"
        )
    return load_targets(path, display=str(TARGETS_FILE)).get(value)


def checked_url(value: str) -> str:
    """A `--target` URL as given, once httpx can parse it and it is http(s) with a host; else an error saying which."""
    import httpx

    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as exc:
        raise UnknownTarget(f"--target {value!r} is not a valid URL ({exc}); give a base URL such as https://gateway.example/v1") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise UnknownTarget(f"--target {value!r}: expected an http:// or https:// URL with a host, such as https://gateway.example/v1")
    return value
