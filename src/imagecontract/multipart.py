"""Multipart bodies: build one of text fields, split one into its parts and join them back, read its parts.

The engine builds (httpx would send a text-only form urlencoded), the cassettes
split and join byte for byte to store a body readably, and the matcher reads
parts to compare two bodies whatever their random boundaries.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Sequence

_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)
_HEADER_PARAM = re.compile(r';\s*([^\s=;]+)\s*=\s*(?:"([^"]*)"|([^;]*))')


def text_only_multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    """A multipart body of text fields only: httpx would send such a form urlencoded,
    where the API (and Postman's form-data) expects multipart/form-data."""
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name.replace(chr(34), "%22")}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    body = ("".join(parts) + f"--{boundary}--\r\n").encode("utf-8")
    return body, f"multipart/form-data; boundary={boundary}"


@dataclass(frozen=True)
class Part:
    """One part of a multipart body; a part with a filename is a file, one without a text field."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes

    @property
    def is_file(self) -> bool:
        return self.filename is not None

    @classmethod
    def parse(cls, header_block: bytes, data: bytes) -> Part:
        """The part whose header lines are `header_block`; lenient, as the comparison must never fail."""
        headers = {}
        for line in header_block.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        params = {key.lower(): quoted or bare.strip()
                  for key, quoted, bare in _HEADER_PARAM.findall(headers.get("content-disposition", ""))}
        return cls(params.get("name", ""), params.get("filename"), headers.get("content-type"), data)


def multipart_boundary(content_type: str) -> str | None:
    """The `boundary=` parameter of a multipart content type, if any."""
    match = _BOUNDARY.search(content_type)
    return (match.group(1) or match.group(2)) if match else None


def split_multipart(body: bytes, boundary: str) -> list[tuple[bytes, bytes]]:
    """The (header block, data) of each part; ValueError unless `body` is exactly parts and a closing line.

    `join_multipart` reverses it byte for byte for every body it accepts.
    """
    preamble, *chunks = (b"\r\n" + body).split(b"\r\n--" + boundary.encode())
    if preamble or not chunks or chunks[-1] not in (b"--\r\n", b"--"):
        raise ValueError(f"not a multipart body with boundary {boundary!r}")
    parts = []
    for chunk in chunks[:-1]:
        if not chunk.startswith(b"\r\n"):
            raise ValueError("a multipart delimiter is not followed by a line break")
        rest = chunk[2:]
        if rest.startswith(b"\r\n"):
            parts.append((b"", rest[2:]))
            continue
        headers, found, data = rest.partition(b"\r\n\r\n")
        if not found:
            raise ValueError("a multipart part has no blank line after its headers")
        parts.append((headers, data))
    return parts


def join_multipart(parts: Sequence[tuple[bytes, bytes]], boundary: str) -> bytes:
    """The multipart body of `parts` (header block, data), framed as httpx frames it."""
    delimiter = b"--" + boundary.encode()
    framed = [delimiter + b"\r\n" + (headers + b"\r\n" if headers else b"") + b"\r\n" + data + b"\r\n"
              for headers, data in parts]
    return b"".join(framed) + delimiter + b"--\r\n"


def read_multipart(content_type: str, data: bytes) -> list[Part]:
    """The parts of a multipart body; ValueError when it has no boundary or does not frame."""
    boundary = multipart_boundary(content_type)
    if boundary is None:
        raise ValueError("multipart content type without a boundary")
    return [Part.parse(headers, body) for headers, body in split_multipart(data, boundary)]
