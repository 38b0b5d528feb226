"""Cassette file names from request and collection names: stable, readable, bounded, and checked for collisions.

An ASCII name keeps the form it always had (`Image generations [URL]` -> `image-generations-url`), so the
bundled cassettes keep their files. Letters and digits of any script stay as they are (`生成` -> `生成`),
a symbol becomes its Unicode name (`🐱` -> `cat-face`), and a name with nothing left, or too long for a
file name, ends in a hash of the whole name, so two names never meet by accident. Two requests whose names
still give one file (`gen 1`, `Gen-1!`) are refused when the collection loads, before anything is sent.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

MAX_SLUG_BYTES = 96
"""Well under the 255 bytes most file systems allow a name, leaving room for `.yaml` and side files."""

_ASCII_KEPT = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_SYMBOLS = frozenset({"So", "Sm", "Sc", "Sk"})
_MARKS = frozenset({"Mn", "Mc"})


@lru_cache(maxsize=4096)
def slugify(text: str) -> str:
    """A file-system-safe, readable name for `text`; the same text always gives the same name (so it is worked
    out once: a request's cassette path is asked for several times)."""
    words = "".join(_spelled(char) for char in unicodedata.normalize("NFC", text).lower())
    slug = re.sub(r"-{2,}", "-", words).strip("-")
    if not slug:
        return f"unnamed-{_digest(text)}"
    if len(slug.encode("utf-8")) > MAX_SLUG_BYTES:
        cut = slug.encode("utf-8")[:MAX_SLUG_BYTES - 9].decode("utf-8", "ignore").rstrip("-")
        return f"{cut}-{_digest(text)}"
    return slug


def _spelled(char: str) -> str:
    """How one character shows in a slug: kept, replaced by its Unicode name, or a separator."""
    if char.isascii():
        return char if char in _ASCII_KEPT else "-"
    category = unicodedata.category(char)
    name = unicodedata.name(char, "")
    if char.isalnum() or (category in _MARKS and not name.startswith("VARIATION SELECTOR")):
        return char
    if category in _SYMBOLS:
        return "-" + "-".join(re.findall(r"[a-z0-9]+", (name or f"u{ord(char):x}").lower())) + "-"
    return "-"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
