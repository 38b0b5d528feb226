"""How a cassette lives on disk: readable YAML, image bytes in side files, atomic writes.

One YAML file per request (format version 1)::

    # imagecontract cassette ...
    version: 1
    interactions:
    - request:  {method, uri, headers, body}
      response: {status: {code, message}, latency, headers, body}
    count: 1          # written last, so a file cut short has none

A body is exactly one of

- `text`: UTF-8 text. Each base64 image in it is stored once as a side file and
  written as `"[base64 of blobs/<name>]"`; the target's base URL and origin are
  written as `<base_url>` and `<origin>`.
- `verbatim`: UTF-8 text that already holds such a marker, stored as is.
- `blob`: any other bytes (downloaded images), as a side file.
- `multipart`: the boundary and each part's header lines, with `text` for a
  field and `blob` for a file.

Side files live in `blobs/` next to the cassette, named by the SHA-256 of their
bytes, so the same image is stored once however often it is recorded. Loading
reverses all of it byte for byte, putting the *current* target where the
placeholders are: a cassette replays against any base URL, and image URLs that
pointed at the recording host point at the replay host and still match.

Every file is written to a temporary file in the same directory, synced and
renamed over the old one, so a crash never leaves half a cassette or a damaged
side file; side files are written before the YAML that names them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import urlsplit

import yaml
from vcr.persisters.filesystem import CassetteNotFoundError
from vcr.request import Request

from imagecontract.errors import CassetteCorrupt, CassetteError
from imagecontract.multipart import Part, join_multipart, multipart_boundary, split_multipart

FORMAT_VERSION = 1
LATENCY = "latency"
EVENTS = "events"
"""Key of a recorded stream's events in vcrpy's response dict: [(seconds after the request started, block bytes)]."""
"""Key of the recorded latency (seconds) in a response; vcrpy carries unknown response keys along."""

BASE_URL_TOKEN = "<base_url>"
ORIGIN_TOKEN = "<origin>"
BLOB_DIR = "blobs"
BLOB_NAME = r"[0-9a-f]{32}\.[a-z0-9]+"
MIN_BASE64_IMAGE = 64
"""Shorter base64 strings are not worth a side file (and are rarely images)."""

HEADER_COMMENT = "# imagecontract cassette: replayed by --record-mode none; image bytes live in blobs/\n"

IMAGE_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "png"),
    (0, b"\xff\xd8\xff", "jpeg"),
    (8, b"WEBP", "webp"),
    (0, b"GIF8", "gif"),
)
"""(offset, magic bytes, file extension) of the image formats a side file is named after."""

_BASE64_STRING = re.compile(r'"([A-Za-z0-9+/]{%d,}={0,2})"' % MIN_BASE64_IMAGE)
_IMAGE_MARKER = re.compile(r"\[base64 of " + BLOB_DIR + "/(" + BLOB_NAME + r")\]")
_BLOCK_UNSAFE = re.compile("[\r\x85\u2028\u2029]")
_AFTER_URL = r"(?![\w.:-])"


def image_extension(data: bytes) -> str | None:
    """`png`, `jpeg`, `webp` or `gif` when `data` starts like that image format."""
    for offset, magic, extension in IMAGE_SIGNATURES:
        if data[offset:offset + len(magic)] == magic:
            return extension
    return None


def display_path(path: Path) -> str:
    """`path` relative to the working directory when it is inside it, as messages show it."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` by `data` all at once: a reader sees the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


class _Invalid(Exception):
    """A place in a cassette and what is wrong there; `load` turns it into `CassetteCorrupt`."""

    def __init__(self, location: str, message: str) -> None:
        super().__init__(message)
        self.location = location
        self.message = message


class TargetPlaceholders:
    """The target's base URL and origin, swapped with fixed tokens on the way to and from disk."""

    def __init__(self, base_url: str) -> None:
        base = base_url.rstrip("/")
        parts = urlsplit(base)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else base
        self._to_tokens = [(re.compile(re.escape(base) + _AFTER_URL), BASE_URL_TOKEN),
                           (re.compile(re.escape(origin) + _AFTER_URL), ORIGIN_TOKEN)]
        self._from_tokens = ((BASE_URL_TOKEN, base), (ORIGIN_TOKEN, origin))

    @staticmethod
    def present(text: str) -> bool:
        """Whether `text` already holds a token, so replacing would not be undone exactly."""
        return BASE_URL_TOKEN in text or ORIGIN_TOKEN in text

    def to_tokens(self, text: str) -> str:
        for pattern, token in self._to_tokens:
            text = pattern.sub(token, text)
        return text

    def from_tokens(self, text: str) -> str:
        for token, value in self._from_tokens:
            text = text.replace(token, value)
        return text


class BlobStore:
    """Content-addressed side files: the name is the SHA-256 of the bytes, so equal bytes share one file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @staticmethod
    def name_for(data: bytes) -> str:
        return f"{hashlib.sha256(data).hexdigest()[:32]}.{image_extension(data) or 'bin'}"

    def put(self, data: bytes) -> str:
        """Store `data` unless an intact copy exists; a concurrent writer of the same bytes is harmless."""
        name = self.name_for(data)
        path = self.directory / name
        with suppress(OSError):
            if path.read_bytes() == data:
                return name
        atomic_write(path, data)
        return name

    def get(self, name: Any, where: str) -> bytes:
        if not isinstance(name, str) or not re.fullmatch(BLOB_NAME, name):
            raise _Invalid(where, f"expected a side file name like 3fa2…(32 hex digits).png, got {name!r}")
        try:
            data = (self.directory / name).read_bytes()
        except FileNotFoundError:
            raise _Invalid(where, f"side file {BLOB_DIR}/{name} is missing") from None
        if self.name_for(data) != name:
            raise _Invalid(where, f"side file {BLOB_DIR}/{name} is damaged: its bytes hash to {self.name_for(data)}")
        return data


_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", dict: "a mapping", list: "a list"}


def _expect(value: Any, kinds: tuple[type, ...], where: str) -> Any:
    """`value` when it is one of `kinds` (a bool is no integer); else `_Invalid` saying what came."""
    if isinstance(value, kinds) and not isinstance(value, bool):
        return value
    expected = " or ".join(_TYPE_NAMES[kind] for kind in kinds)
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "…"
    raise _Invalid(where, f"expected {expected}, got {shown}")


def _fields(value: Any, where: str, required: Mapping[str, tuple[type, ...]],
            optional: Mapping[str, tuple[type, ...]] | None = None) -> dict[str, Any]:
    """A mapping with exactly the `required` keys and any of the `optional` ones, each of its type."""
    mapping = _expect(value, (dict,), where)
    allowed = {**required, **(optional or {})}
    for key in mapping:
        if key not in allowed:
            raise _Invalid(where, f"unexpected key {key!r}; expected {', '.join(allowed)}")
    for key in required:
        if key not in mapping:
            raise _Invalid(where, f"missing key {key!r}")
    return {key: _expect(mapping[key], kinds, f"{where}.{key}") for key, kinds in allowed.items() if key in mapping}


def _headers(value: Any, where: str) -> dict[str, list[str]]:
    headers = {}
    for name, values in _expect(value, (dict,), where).items():
        place = f"{where}.{name}"
        items = values if isinstance(values, list) else [values]
        headers[str(name)] = [_expect(item, (str,), place) for item in items]
    return headers


def _header(headers: Mapping[str, Any], name: str) -> str:
    """The first value of header `name` (any case) from vcrpy's dict of lists or of strings."""
    for key, value in headers.items():
        if key.lower() == name:
            return value[0] if isinstance(value, list) else value
    return ""


class _BodyCodec:
    """Bodies to their YAML form and back, writing and reading side files as it goes."""

    def __init__(self, blobs: BlobStore, placeholders: TargetPlaceholders) -> None:
        self.blobs = blobs
        self.placeholders = placeholders
        self._decoders: dict[str, Callable[[Any, str], bytes]] = {
            "text": self._decode_text,
            "verbatim": lambda value, where: _expect(value, (str,), where).encode(),
            "blob": self.blobs.get,
            "multipart": self._decode_multipart,
        }

    def encode(self, data: bytes | None, content_type: str) -> dict[str, Any]:
        data = data or b""
        multipart = self._encode_multipart(data, content_type)
        if multipart is not None:
            return {"multipart": multipart}
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return {"blob": self.blobs.put(data)}
        if self.placeholders.present(text) or _IMAGE_MARKER.search(text):
            return {"verbatim": text}
        return {"text": self.placeholders.to_tokens(_BASE64_STRING.sub(self._base64_to_marker, text))}

    def decode(self, value: Any, where: str) -> bytes:
        body = _expect(value, (dict,), where)
        if len(body) != 1 or next(iter(body)) not in self._decoders:
            raise _Invalid(where, f"expected exactly one of {', '.join(self._decoders)}, got keys {list(body)}")
        kind, content = next(iter(body.items()))
        return self._decoders[kind](content, f"{where}.{kind}")

    def _base64_to_marker(self, match: re.Match[str]) -> str:
        encoded = match.group(1)
        try:
            data = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            return match.group(0)
        if image_extension(data) is None or base64.b64encode(data).decode() != encoded:
            return match.group(0)
        return f'"[base64 of {BLOB_DIR}/{self.blobs.put(data)}]"'

    def _decode_text(self, value: Any, where: str) -> bytes:
        text = self.placeholders.from_tokens(_expect(value, (str,), where))

        def marker_to_base64(match: re.Match[str]) -> str:
            return base64.b64encode(self.blobs.get(match.group(1), where)).decode()

        return _IMAGE_MARKER.sub(marker_to_base64, text).encode()

    def _encode_multipart(self, data: bytes, content_type: str) -> dict[str, Any] | None:
        """The readable form of a multipart body, or None when that would not give back the same bytes."""
        boundary = multipart_boundary(content_type) if content_type.lower().startswith("multipart/") else None
        if boundary is None:
            return None
        try:
            raw_parts = split_multipart(data, boundary)
            header_lines = [headers.decode("utf-8").split("\r\n") if headers else [] for headers, _ in raw_parts]
        except (ValueError, UnicodeDecodeError):
            return None
        if join_multipart(raw_parts, boundary) != data:
            return None
        return {"boundary": boundary, "parts": [
            {"headers": lines, **self._encode_part(Part.parse(headers, content))}
            for lines, (headers, content) in zip(header_lines, raw_parts)
        ]}

    def _encode_part(self, part: Part) -> dict[str, str]:
        if not part.is_file:
            with suppress(UnicodeDecodeError):
                return {"text": part.data.decode("utf-8")}
        return {"blob": self.blobs.put(part.data)}

    def _decode_multipart(self, value: Any, where: str) -> bytes:
        multipart = _fields(value, where, {"boundary": (str,), "parts": (list,)})
        parts = []
        for index, raw in enumerate(multipart["parts"]):
            place = f"{where}.parts[{index}]"
            part = _fields(raw, place, {"headers": (list,)}, {"text": (str,), "blob": (str,)})
            if ("text" in part) == ("blob" in part):
                raise _Invalid(place, "expected exactly one of text, blob")
            lines = [_expect(line, (str,), f"{place}.headers") for line in part["headers"]]
            content = part["text"].encode() if "text" in part else self.blobs.get(part["blob"], f"{place}.blob")
            parts.append(("\r\n".join(lines).encode(), content))
        return join_multipart(parts, multipart["boundary"])


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """YAML for people: multi-line text as literal blocks, short lists and mappings of scalars on one line."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    style = "|" if "\n" in text and not _BLOCK_UNSAFE.search(text) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


def _short_scalars(values: Sequence[Any]) -> bool:
    """Whether `values` fit on one line: scalars without line breaks, 80 characters in all."""
    scalars = all(isinstance(value, (str, int, float)) and "\n" not in str(value) for value in values)
    return scalars and sum(len(str(value)) for value in values) < 80


def _represent_list(dumper: yaml.SafeDumper, items: list[Any]) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=_short_scalars(items))


def _represent_dict(dumper: yaml.SafeDumper, mapping: dict[str, Any]) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", mapping, flow_style=_short_scalars(list(mapping.values())))


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(dict, _represent_dict)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CassetteStorage:
    """A vcrpy persister for this format; `base_url` is the target the cassette is used against."""

    def __init__(self, base_url: str) -> None:
        self.placeholders = TargetPlaceholders(base_url)

    def _codec(self, path: Path) -> _BodyCodec:
        return _BodyCodec(BlobStore(path.parent / BLOB_DIR), self.placeholders)

    def save(self, path: Path, interactions: Sequence[tuple[Request, Mapping[str, Any]]]) -> None:
        """Write side files, then the YAML, each atomically; CassetteError when the disk refuses."""
        try:
            codec = self._codec(path)
            document = {
                "version": FORMAT_VERSION,
                "interactions": [self._encode_interaction(codec, request, response) for request, response in interactions],
                "count": len(interactions),
            }
            text = HEADER_COMMENT + yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
            atomic_write(path, text.encode())
        except OSError as exc:
            raise CassetteError(f"{display_path(path)}: could not write the cassette: {exc}") from exc

    def load(self, path: Path) -> list[tuple[Request, dict[str, Any]]]:
        """The interactions of the cassette at `path`; CassetteCorrupt naming the file and the place."""
        label = display_path(path)
        try:
            text = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            raise CassetteNotFoundError(label) from None
        except UnicodeDecodeError as exc:
            raise CassetteCorrupt(label, "", f"expected UTF-8 YAML, got an undecodable byte at offset {exc.start}") from None
        try:
            if not text.strip():
                raise _Invalid("", "the file is empty; expected a recorded cassette")
            return self._decode_document(self._codec(path), _parse_yaml(text))
        except _Invalid as exc:
            raise CassetteCorrupt(label, exc.location, exc.message) from None

    def load_cassette(self, cassette_path: str | Path, serializer: Any = None) -> tuple[list[Request], list[dict[str, Any]]]:
        """vcrpy's persister entry point (the serializer is ours, so vcrpy's is ignored)."""
        interactions = self.load(Path(cassette_path))
        return [request for request, _ in interactions], [response for _, response in interactions]

    def save_cassette(self, cassette_path: str | Path, cassette_dict: Mapping[str, Any], serializer: Any = None) -> None:
        """vcrpy's persister entry point; the session calls `save` itself, only on commit."""
        self.save(Path(cassette_path), list(zip(cassette_dict["requests"], cassette_dict["responses"])))

    def _encode_interaction(self, codec: _BodyCodec, request: Request, response: Mapping[str, Any]) -> dict[str, Any]:
        request_headers = {name: [value] for name, value in request.headers.items()}
        status = {"code": response["status"]["code"], "message": response["status"].get("message") or ""}
        timing = {LATENCY: response[LATENCY]} if LATENCY in response else {}
        content_type = _header(response["headers"], "content-type")
        if EVENTS in response:
            body = {EVENTS: [{"at": at, **self._encode_event(codec, block, content_type)}
                             for at, block in response[EVENTS]]}
        else:
            body = codec.encode(response["body"]["string"], content_type)
        return {
            "request": {
                "method": request.method,
                "uri": self.placeholders.to_tokens(request.uri),
                "headers": request_headers,
                "body": codec.encode(request.body, _header(request_headers, "content-type")),
            },
            "response": {
                "status": status,
                **timing,
                "headers": response["headers"],
                "body": body,
            },
        }

    @staticmethod
    def _encode_event(codec: _BodyCodec, block: bytes, content_type: str) -> dict[str, Any]:
        encoded = codec.encode(block, content_type)
        return encoded if "text" not in encoded else {"text": encoded["text"]}

    @staticmethod
    def _decode_events(codec: _BodyCodec, value: Any, where: str) -> list[tuple[float, bytes]]:
        """A stream's events: offsets that never go back, each block ending in its blank line."""
        events: list[tuple[float, bytes]] = []
        for index, raw in enumerate(_expect(value, (list,), where)):
            place = f"{where}[{index}]"
            event = _fields(raw, place, {"at": (int, float)}, {"text": (str,), "verbatim": (str,), "blob": (str,)})
            at = float(event.pop("at"))
            if at < 0 or (events and at < events[-1][0]):
                before = f" (event {index - 1} came at {events[-1][0]})" if events else ""
                raise _Invalid(f"{place}.at", f"expected seconds not before the previous event{before}, got {at}")
            block = codec.decode(event, place)
            if not (block.endswith(b"\n\n") or block.endswith(b"\r\n\r\n")):
                raise _Invalid(place, "the event does not end with a blank line: the recorded stream was cut short "
                                      "(truncated); record it again")
            events.append((at, block))
        return events

    def _decode_document(self, codec: _BodyCodec, document: Any) -> list[tuple[Request, dict[str, Any]]]:
        top = _expect(document, (dict,), "")
        if "count" not in top:
            raise _Invalid("count", "missing; it is written last, so the file was cut short (truncated)")
        top = _fields(top, "", {"version": (int,), "interactions": (list,), "count": (int,)})
        if top["version"] != FORMAT_VERSION:
            raise _Invalid("version", f"expected {FORMAT_VERSION}, got {top['version']}")
        if top["count"] != len(top["interactions"]):
            raise _Invalid("count", f"says {top['count']} interactions, the file holds {len(top['interactions'])}: "
                                    "truncated or edited by hand")
        return [self._decode_interaction(codec, raw, f"interactions[{index}]")
                for index, raw in enumerate(top["interactions"])]

    def _decode_interaction(self, codec: _BodyCodec, raw: Any, where: str) -> tuple[Request, dict[str, Any]]:
        interaction = _fields(raw, where, {"request": (dict,), "response": (dict,)})
        request = _fields(interaction["request"], f"{where}.request",
                          {"method": (str,), "uri": (str,), "headers": (dict,), "body": (dict,)})
        response = _fields(interaction["response"], f"{where}.response",
                           {"status": (dict,), "headers": (dict,), "body": (dict,)}, {LATENCY: (int, float)})
        status = _fields(response["status"], f"{where}.response.status", {"code": (int,)}, {"message": (str,)})
        message = status.get("message", "")
        if not message.isascii():
            raise _Invalid(f"{where}.response.status.message", f"expected an ASCII reason phrase, got {message!r}")
        if response.get(LATENCY, 0) < 0:
            raise _Invalid(f"{where}.response.{LATENCY}", f"expected seconds (0 or more), got {response[LATENCY]}")
        request_headers = _headers(request["headers"], f"{where}.request.headers")
        response_headers = _headers(response["headers"], f"{where}.response.headers")
        vcr_request = Request(
            request["method"],
            self.placeholders.from_tokens(request["uri"]),
            codec.decode(request["body"], f"{where}.request.body"),
            request_headers,
        )
        events = None
        if EVENTS in response["body"]:
            _fields(response["body"], f"{where}.response.body", {EVENTS: (list,)})
            events = self._decode_events(codec, response["body"][EVENTS], f"{where}.response.body.{EVENTS}")
        body = (b"".join(block for _, block in events) if events is not None
                else codec.decode(response["body"], f"{where}.response.body"))
        vcr_response = {
            "status": {"code": status["code"], "message": message},
            "headers": response_headers,
            "body": {"string": body},
        }
        if events is not None:
            vcr_response[EVENTS] = events
        if LATENCY in response:
            vcr_response[LATENCY] = float(response[LATENCY])
        return vcr_request, vcr_response


def _parse_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise _Invalid("", f"not valid YAML ({exc.problem}{where}); truncated or edited by hand?") from None
    except yaml.YAMLError as exc:
        raise _Invalid("", f"not valid YAML ({exc})") from None
