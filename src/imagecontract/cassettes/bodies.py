"""How a body goes to disk and back: base64 images and downloads as side files in `blobs/`, the target's
base URL and origin as placeholders, multipart as its parts; and the field checks that name a damaged place.

`cassettes.storage` writes the YAML around these bodies; see its docstring for the format.
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
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from imagecontract.multipart import Part, join_multipart, multipart_boundary, split_multipart

BASE_URL_TOKEN = "<base_url>"
ORIGIN_TOKEN = "<origin>"
BLOB_DIR = "blobs"
BLOB_NAME = r"[0-9a-f]{32}\.[a-z0-9]+"
MIN_BASE64_IMAGE = 64
"""Shorter base64 strings are not worth a side file (and are rarely images)."""

IMAGE_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "png"),
    (0, b"\xff\xd8\xff", "jpeg"),
    (8, b"WEBP", "webp"),
    (0, b"GIF8", "gif"),
)
"""(offset, magic bytes, file extension) of the image formats a side file is named after."""

_BASE64_STRING = re.compile(r'"([A-Za-z0-9+/]{%d,}={0,2})"' % MIN_BASE64_IMAGE)
_IMAGE_MARKER = re.compile(r"\[base64 of " + BLOB_DIR + "/(" + BLOB_NAME + r")\]")
_AFTER_URL = r"(?![\w.:-])"


def image_extension(data: bytes) -> str | None:
    """`png`, `jpeg`, `webp` or `gif` when `data` starts like that image format."""
    for offset, magic, extension in IMAGE_SIGNATURES:
        if data[offset:offset + len(magic)] == magic:
            return extension
    return None


def atomic_write(path: Path, data: bytes, sync: bool = True) -> None:
    """Replace `path` by `data` all at once: a reader sees the old file or the new one, never a part.
    `sync` false skips the fsync, for a cache whose lost file is only made again."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            if sync:
                file.flush()
                os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


class Invalid(Exception):
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
            raise Invalid(where, f"expected a side file name like 3fa2…(32 hex digits).png, got {name!r}")
        try:
            data = (self.directory / name).read_bytes()
        except FileNotFoundError:
            raise Invalid(where, f"side file {BLOB_DIR}/{name} is missing") from None
        if self.name_for(data) != name:
            raise Invalid(where, f"side file {BLOB_DIR}/{name} is damaged: its bytes hash to {self.name_for(data)}")
        return data


TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", dict: "a mapping", list: "a list"}


def expect_kind(value: Any, kinds: tuple[type, ...], where: str) -> Any:
    """`value` when it is one of `kinds` (a bool is no integer); else `Invalid` saying what came."""
    if isinstance(value, kinds) and not isinstance(value, bool):
        return value
    expected = " or ".join(TYPE_NAMES[kind] for kind in kinds)
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "…"
    raise Invalid(where, f"expected {expected}, got {shown}")


def fields_of(value: Any, where: str, required: Mapping[str, tuple[type, ...]],
            optional: Mapping[str, tuple[type, ...]] | None = None) -> dict[str, Any]:
    """A mapping with exactly the `required` keys and any of the `optional` ones, each of its type."""
    mapping = expect_kind(value, (dict,), where)
    allowed = {**required, **(optional or {})}
    for key in mapping:
        if key not in allowed:
            raise Invalid(where, f"unexpected key {key!r}; expected {', '.join(allowed)}")
    for key in required:
        if key not in mapping:
            raise Invalid(where, f"missing key {key!r}")
    return {key: expect_kind(mapping[key], kinds, f"{where}.{key}") for key, kinds in allowed.items() if key in mapping}


def headers_of(value: Any, where: str) -> dict[str, list[str]]:
    headers = {}
    for name, values in expect_kind(value, (dict,), where).items():
        place = f"{where}.{name}"
        items = values if isinstance(values, list) else [values]
        headers[str(name)] = [expect_kind(item, (str,), place) for item in items]
    return headers


def header_of(headers: Mapping[str, Any], name: str) -> str:
    """The first value of header `name` (any case) from vcrpy's dict of lists or of strings."""
    for key, value in headers.items():
        if key.lower() == name:
            return value[0] if isinstance(value, list) else value
    return ""


class BodyCodec:
    """Bodies to their YAML form and back, writing and reading side files as it goes."""

    def __init__(self, blobs: BlobStore, placeholders: TargetPlaceholders) -> None:
        self.blobs = blobs
        self.placeholders = placeholders
        self._decoders: dict[str, Callable[[Any, str], bytes]] = {
            "text": self._decode_text,
            "verbatim": lambda value, where: expect_kind(value, (str,), where).encode(),
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
        body = expect_kind(value, (dict,), where)
        if len(body) != 1 or next(iter(body)) not in self._decoders:
            raise Invalid(where, f"expected exactly one of {', '.join(self._decoders)}, got keys {list(body)}")
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
        text = self.placeholders.from_tokens(expect_kind(value, (str,), where))

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
        multipart = fields_of(value, where, {"boundary": (str,), "parts": (list,)})
        parts = []
        for index, raw in enumerate(multipart["parts"]):
            place = f"{where}.parts[{index}]"
            part = fields_of(raw, place, {"headers": (list,)}, {"text": (str,), "blob": (str,)})
            if ("text" in part) == ("blob" in part):
                raise Invalid(place, "expected exactly one of text, blob")
            lines = [expect_kind(line, (str,), f"{place}.headers") for line in part["headers"]]
            content = part["text"].encode() if "text" in part else self.blobs.get(part["blob"], f"{place}.blob")
            parts.append(("\r\n".join(lines).encode(), content))
        return join_multipart(parts, multipart["boundary"])
