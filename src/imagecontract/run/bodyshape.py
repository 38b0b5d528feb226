"""What no Images API answer looks like, refused before anything parses it: JSON nested absurdly deep.

`json.loads` and every recursive walk after it (checks, redaction, the report) would stop with a
`RecursionError` on a body nested 100,000 levels deep; the answer is refused as one clear error instead.
"""

from __future__ import annotations

import re

MAX_JSON_DEPTH = 64
"""An images response nests four levels; anything near Python's recursion limit is a broken or hostile target."""

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKET = re.compile(rb"[\[\]{}]")


def json_too_deep(body: bytes, limit: int | None = None) -> bool:
    """Whether `body`, read as JSON, opens more than `limit` arrays and objects inside one another (strings skipped)."""
    limit = MAX_JSON_DEPTH if limit is None else limit
    if b"[" not in body and b"{" not in body:
        return False
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub(b'""', body)):
        depth += 1 if bracket in b"[{" else -1
        if depth > limit:
            return True
    return False
