"""Whether a request is the one a cassette recorded, and if not, what differs.

Requests are compared on method, URL (without its query), query and body, never
on headers: those carry keys, dates and client versions. Bodies are compared by
meaning. JSON ignores key order. Multipart ignores its boundary, which is random
on every run, by comparing parts instead: names, filenames, content types, the
SHA-256 of each file and the text of each field, in order among parts of the
same name (`image[]`). A value recorded as `[redacted]` stands for a secret the
cassette never stored, so it matches any value.

Every difference is one phrase, `<what>: <recorded> recorded, <now> now`, and
the functions here are also vcrpy matchers (`MATCHERS`), which vcrpy calls with
the new request first and the recorded one second.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Sequence
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from vcr.request import Request
from vcr.util import read_body

from imagecontract.multipart import Part, read_multipart
from imagecontract.redact import REDACTED

MAX_DIFFERENCES = 5
"""Differences named in one message; a changed request rarely has more that matter."""

SHOWN_HASH = 12
SHOWN_TEXT = 60



@dataclass(frozen=True)
class Body:
    """A request body and the content type that says how to read it."""

    content_type: str
    data: bytes

    @classmethod
    def of(cls, request: Request) -> Body:
        return cls(request.headers.get("content-type") or "", read_body(request) or b"")

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip().lower()


def parse_multipart(body: Body) -> list[Part]:
    """The parts of a multipart body; ValueError when it has no boundary or does not frame."""
    return read_multipart(body.content_type, body.data)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:SHOWN_HASH] + "…"


def _show_text(text: str) -> str:
    return repr(text) if len(text) <= SHOWN_TEXT else repr(text[:SHOWN_TEXT]) + f"… ({len(text)} characters)"


def _show_json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHOWN_TEXT else text[:SHOWN_TEXT] + "…"


def _show_bytes(data: bytes) -> str:
    try:
        return _show_text(data.decode("utf-8"))
    except UnicodeDecodeError:
        return f"{len(data)} bytes, sha256 {_digest(data)}"


def _same_text(recorded: str, now: str) -> bool:
    """Equal, where each `[redacted]` in the recorded text stands for any text (matched left to right, in linear time)."""
    if REDACTED not in recorded:
        return recorded == now
    first, *middle, last = recorded.split(REDACTED)
    end = len(now) - len(last)
    if end < len(first) or not now.startswith(first) or not now.endswith(last):
        return False
    position = len(first)
    for segment in middle:
        found = now.find(segment, position, end)
        if found < 0:
            return False
        position = found + len(segment)
    return True


def _json_path(path: str, key: str) -> str:
    return f"{path}.{key}" if key.isidentifier() else f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _same_json_scalar(recorded: Any, now: Any) -> bool:
    if isinstance(recorded, str) and isinstance(now, str):
        return _same_text(recorded, now)
    if isinstance(recorded, bool) or isinstance(now, bool):
        return recorded is now
    if isinstance(recorded, (int, float)) and isinstance(now, (int, float)):
        return recorded == now or (math.isnan(recorded) and math.isnan(now))
    return type(recorded) is type(now) and recorded == now


def json_differences(recorded: Any, now: Any, path: str = "$") -> list[str]:
    """Where two JSON values differ, as `$.path recorded-value recorded, now-value now`; key order is ignored."""
    if isinstance(recorded, dict) and isinstance(now, dict):
        found = []
        for key in dict.fromkeys([*recorded, *now]):
            where = _json_path(path, str(key))
            if key not in now:
                found.append(f"{where} {_show_json(recorded[key])} recorded, absent now")
            elif key not in recorded:
                found.append(f"{where} absent recorded, {_show_json(now[key])} now")
            else:
                found += json_differences(recorded[key], now[key], where)
        return found
    if isinstance(recorded, list) and isinstance(now, list):
        if len(recorded) != len(now):
            return [f"{path} {len(recorded)} items recorded, {len(now)} now"]
        return [found for index, (old, new) in enumerate(zip(recorded, now))
                for found in json_differences(old, new, f"{path}[{index}]")]
    if _same_json_scalar(recorded, now):
        return []
    return [f"{path} {_show_json(recorded)} recorded, {_show_json(now)} now"]


def _group_by_name(parts: list[Part]) -> dict[str, list[Part]]:
    groups: dict[str, list[Part]] = {}
    for part in parts:
        groups.setdefault(part.name, []).append(part)
    return groups


def _part_label(name: str, example: Part, index: int | None) -> str:
    kind = "part" if example.is_file else "field"
    return f"{kind} {name!r}" + (f" #{index + 1}" if index is not None else "")


def _show_part(part: Part) -> str:
    return f"sha256 {_digest(part.data)}" if part.is_file else _show_bytes(part.data)


def _show_group(parts: list[Part]) -> str:
    if not parts:
        return "absent"
    return _show_part(parts[0]) if len(parts) == 1 else f"{len(parts)} parts"


_PART_FACETS: tuple[tuple[str, Callable[[Part], str | None]], ...] = (
    ("filename", lambda part: part.filename),
    ("content type", lambda part: part.content_type),
)


def _part_differences(label: str, recorded: Part, now: Part) -> list[str]:
    kinds = {True: "file part", False: "text field"}
    if recorded.is_file != now.is_file:
        return [f"{label}: {kinds[recorded.is_file]} recorded, {kinds[now.is_file]} now"]
    found = [f"{label}: {facet} {get(recorded)!r} recorded, {get(now)!r} now"
             for facet, get in _PART_FACETS if get(recorded) != get(now)]
    if recorded.is_file and recorded.data != now.data:
        found.append(f"{label}: sha256 {_digest(recorded.data)} recorded, {_digest(now.data)} now")
    if not recorded.is_file and not _same_text(recorded.data.decode("utf-8", "replace"), now.data.decode("utf-8", "replace")):
        found.append(f"{label}: {_show_bytes(recorded.data)} recorded, {_show_bytes(now.data)} now")
    return found


def multipart_differences(recorded: list[Part], now: list[Part]) -> list[str]:
    """Which parts differ; parts of different names may come in any order, same-named parts keep theirs."""
    old_groups, new_groups = _group_by_name(recorded), _group_by_name(now)
    found = []
    for name in dict.fromkeys([*old_groups, *new_groups]):
        old, new = old_groups.get(name, []), new_groups.get(name, [])
        if len(old) != len(new):
            found.append(f"{_part_label(name, (old or new)[0], None)}: {_show_group(old)} recorded, {_show_group(new)} now")
            continue
        numbered = len(old) > 1
        for index, (old_part, new_part) in enumerate(zip(old, new)):
            label = _part_label(name, old_part, index if numbered else None)
            found += _part_differences(label, old_part, new_part)
    return found


def _read_json(body: Body) -> Any:
    try:
        return json.loads(body.data)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


def _json_body_differences(recorded: Any, now: Any) -> list[str]:
    return [f"JSON body: {found}" for found in json_differences(recorded, now)]


def _raw_differences(recorded: bytes, now: bytes) -> list[str]:
    if recorded == now:
        return []
    try:
        if _same_text(recorded.decode("utf-8"), now.decode("utf-8")):
            return []
    except UnicodeDecodeError:
        pass
    return [f"body: {_show_bytes(recorded)} recorded, {_show_bytes(now)} now"]


@dataclass(frozen=True)
class _BodyKind:
    name: str
    accepts: Callable[[str], bool]
    read: Callable[[Body], Any]
    differences: Callable[[Any, Any], list[str]]


_RAW = _BodyKind("raw", lambda media: True, lambda body: body.data, _raw_differences)

_BODY_KINDS = (
    _BodyKind("multipart", lambda media: media == "multipart/form-data", parse_multipart, multipart_differences),
    _BodyKind("JSON", lambda media: media == "application/json" or media.endswith("+json"), _read_json,
              _json_body_differences),
)
"""How each content type is read for comparison; a body that does not read as its type is compared raw."""


def _read(body: Body) -> tuple[_BodyKind, Any]:
    for kind in _BODY_KINDS:
        if kind.accepts(body.media_type):
            try:
                return kind, kind.read(body)
            except ValueError:
                break
    return _RAW, body.data


def body_differences(recorded: Body, now: Body) -> list[str]:
    """How two bodies differ by meaning; never raises, whatever the bytes."""
    old_kind, old = _read(recorded)
    new_kind, new = _read(now)
    if old_kind is not new_kind:
        return [f"body: {old_kind.name} recorded, {new_kind.name} now"]
    return old_kind.differences(old, new)


@lru_cache(maxsize=1024)
def _location(uri: str) -> str:
    """Scheme, host and path: kept per URI, since each replayed request is compared with every recorded one."""
    parts = urlsplit(uri)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))


def _query(uri: str) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for name, value in parse_qsl(urlsplit(uri).query, keep_blank_values=True):
        params.setdefault(name, []).append(value)
    return params


def _show_values(values: list[str]) -> str:
    if not values:
        return "absent"
    return repr(values[0]) if len(values) == 1 else repr(values)


def method_differences(recorded: Request, now: Request) -> list[str]:
    if recorded.method.upper() == now.method.upper():
        return []
    return [f"method: {recorded.method} recorded, {now.method} now"]


def url_differences(recorded: Request, now: Request) -> list[str]:
    old, new = _location(recorded.uri), _location(now.uri)
    return [] if _same_text(old, new) else [f"URL: {old!r} recorded, {new!r} now"]


def query_differences(recorded: Request, now: Request) -> list[str]:
    old, new = _query(recorded.uri), _query(now.uri)
    return [
        f"query {name!r}: {_show_values(old.get(name, []))} recorded, {_show_values(new.get(name, []))} now"
        for name in dict.fromkeys([*old, *new])
        if len(old.get(name, [])) != len(new.get(name, []))
        or not all(map(_same_text, old.get(name, []), new.get(name, [])))
    ]


def request_body_differences(recorded: Request, now: Request) -> list[str]:
    return body_differences(Body.of(recorded), Body.of(now))


DIFFERENCES: tuple[tuple[str, Callable[[Request, Request], list[str]]], ...] = (
    ("method", method_differences),
    ("url", url_differences),
    ("query", query_differences),
    ("body", request_body_differences),
)
"""What a request is matched on, in the order differences are reported."""


def request_differences(recorded: Request, now: Request) -> list[str]:
    """Every way `now` differs from `recorded`; empty when they match."""
    return [found for _, compare in DIFFERENCES for found in compare(recorded, now)]


def describe(differences: Sequence[str]) -> str:
    """The first `MAX_DIFFERENCES` differences as one line."""
    shown = "; ".join(differences[:MAX_DIFFERENCES])
    hidden = len(differences) - MAX_DIFFERENCES
    return shown + (f"; and {hidden} more" if hidden > 0 else "")


def closest_difference(recorded: Sequence[Request], now: Request) -> str:
    """What differs between `now` and the most similar recorded request, or what the cassette holds."""
    if not recorded:
        return "the cassette holds no requests"
    differences, closest = min(((request_differences(old, now), old) for old in recorded), key=lambda pair: len(pair[0]))
    text = describe(differences)
    return text if len(recorded) == 1 else f"{text} (closest recorded request: {closest.method} {closest.uri})"


def _as_vcr_matcher(name: str, compare: Callable[[Request, Request], list[str]]) -> Callable[[Request, Request], None]:
    def matcher(now: Request, recorded: Request) -> None:
        found = compare(recorded, now)
        if found:
            raise AssertionError(describe(found))

    matcher.__name__ = name
    return matcher


MATCHERS = tuple(_as_vcr_matcher(name, compare) for name, compare in DIFFERENCES)
"""vcrpy `match_on` functions: they raise AssertionError with the difference, as vcrpy expects."""
