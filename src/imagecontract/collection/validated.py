"""Texts that passed their schema before, remembered across runs by content: collections, and schema files
against the metaschema (`schemas.py`).

jsonschema walks every request of a collection in Python (about 1.5 ms a request), and importing it takes some
50 ms, so a suite run again unchanged pays neither. A marker file under `.imagecontract/valid/` (the plugin sets the place) is named by
the SHA-256 of the schema and of the file's text: an edited collection, or another version of the schema, is
validated again. Only a text that passed is remembered, so every error is still found and reported as before,
and the checks the loader makes beyond the schema run every time.
"""

from __future__ import annotations

import hashlib
from contextlib import suppress
from pathlib import Path

from imagecontract.local_cache import used

_marker_dir: list[Path] = []


def remember_valid_under(directory: Path | None) -> None:
    """Keep markers of valid texts in `directory` (created when first written); None: validate every time."""
    _marker_dir[:] = [directory] if directory is not None else []


def _marker(schema: bytes, text: bytes) -> Path | None:
    if not _marker_dir:
        return None
    digest = hashlib.sha256(hashlib.sha256(schema).digest() + text).hexdigest()
    return _marker_dir[0] / f"{digest}.ok"


def known_valid(schema: bytes, text: bytes) -> bool:
    """Whether `text` passed `schema` before."""
    marker = _marker(schema, text)
    if marker is None or not marker.is_file():
        return False
    used(marker)
    return True


def remember_valid(schema: bytes, text: bytes) -> None:
    """Note that `text` passed `schema` (nothing when no place is set or the disk refuses)."""
    marker = _marker(schema, text)
    if marker is not None:
        with suppress(OSError):
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
