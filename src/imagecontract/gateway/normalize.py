"""Bodies reduced to what can be compared across a gateway: images become digests, events their data.

The sandbox journals responses this way and the suite reduces what the client
got the same way, so a megabyte of base64 compares as one short string.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from typing import Any

MIN_IMAGE_CHARS = 200
"""Shorter strings are kept as they are: no image encodes in fewer base64 characters."""

_BASE64 = re.compile(r"[A-Za-z0-9+/\r\n]+={0,2}")


def digest(data: bytes) -> str:
    """`sha256:<first 16 hex digits>`: enough to tell two images apart, short enough to read."""
    return "sha256:" + hashlib.sha256(data).hexdigest()[:16]


def _as_image(text: str) -> str | None:
    if len(text) < MIN_IMAGE_CHARS or not _BASE64.fullmatch(text):
        return None
    try:
        return f"<base64 {digest(base64.b64decode(text, validate=False))}>"
    except (binascii.Error, ValueError):
        return None


def reduce(value: Any) -> Any:
    """`value` with every long base64 string replaced by `<base64 sha256:...>` of its decoded bytes."""
    if isinstance(value, str):
        return _as_image(value) or value
    if isinstance(value, dict):
        return {key: reduce(item) for key, item in value.items()}
    if isinstance(value, list):
        return [reduce(item) for item in value]
    return value


def reduce_body(body: bytes, content_type: str) -> Any:
    """A JSON body reduced; an event stream as its events' data, reduced; other text cut to 2000 characters."""
    text = body.decode("utf-8", "replace")
    if content_type.startswith("text/event-stream"):
        return {"events": [reduce(data) for data in stream_data(text)]}
    try:
        return reduce(json.loads(text))
    except ValueError:
        return {"text": text[:2000]}


def stream_data(text: str) -> list[Any]:
    """The `data:` of each event of a server-sent event stream, parsed as JSON where it is JSON."""
    found = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line[5:].lstrip(" ") if line.startswith("data:") else None for line in block.split("\n")]
        data = "\n".join(line for line in lines if line is not None)
        if not data:
            continue
        try:
            found.append(json.loads(data))
        except ValueError:
            found.append(data)
    return found
