"""Parsed cassettes kept across runs as JSON, named by the SHA-256 of their text.

libyaml parses in C, but PyYAML builds the document in Python: about 1.4 ms for a 1.6 kB cassette, against
0.01 ms to read the same document from JSON, and a replay reads every cassette once per run. So the document
is kept under `.imagecontract/parsed/` (the plugin sets the place). The cache file is named by the cassette's
text, so an edited or re-recorded cassette is parsed again; only documents made of JSON's own types are kept
(a YAML date or binary value is parsed every time), and a cache file that cannot be read is parsed again and
rewritten. The cassette's checks (`storage`) run on the document either way.
"""

from __future__ import annotations

import hashlib
import json
import math
from contextlib import suppress
from pathlib import Path
from typing import Any, Callable

from imagecontract.cassettes.bodies import atomic_write
from imagecontract.local_cache import used

_cache_dir: list[Path] = []


def cache_parsed_under(directory: Path | None) -> None:
    """Keep parsed cassettes as JSON files in `directory` (created when first written); None: parse every time."""
    _cache_dir[:] = [directory] if directory is not None else []


def parsed(text: str, parse: Callable[[str], Any]) -> Any:
    """`parse(text)`, read from the cache when this text was parsed before."""
    if not _cache_dir:
        return parse(text)
    path = _cache_dir[0] / f"{hashlib.sha256(text.encode('utf-8')).hexdigest()}.json"
    with suppress(OSError, ValueError):
        document = json.loads(path.read_bytes())
        used(path)
        return document
    document = parse(text)
    if json_native(document):
        with suppress(OSError):
            atomic_write(path, json.dumps(document, ensure_ascii=False).encode("utf-8"), sync=False)
    return document


def json_native(value: Any) -> bool:
    """Whether JSON gives `value` back exactly: str, int, finite float, bool, None, lists, dicts with str keys."""
    if value is None or isinstance(value, (str, bool, int)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(json_native(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and json_native(item) for key, item in value.items())
    return False
