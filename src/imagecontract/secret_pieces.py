"""Finding any piece of a secret in a text, in the forms a gateway may echo it.

A gateway that echoes "only" the last 16 characters of a key, 12 from its middle, the key upper-cased,
its base64, or each half in its own stream event has still leaked it. So a leak is any run of
`MIN_PIECE` or more characters of the secret (compared without case), or of one of its spellings:
base64 (at each of the three byte alignments, either alphabet), percent-encoded, JSON-escaped; and, as
before, any start of the secret longer than its masked form shows.

The search is linear in the text: every piece of `MIN_PIECE` characters holds one whole block of
`_BLOCK` characters starting at a multiple of `_BLOCK` in the spelling, so each such block is looked
up with `str.find` and every hit is grown to the longest match around it.
"""

from __future__ import annotations

import base64
import json
import string
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, quote_plus

MIN_PIECE = 8
"""The shortest run of a secret's characters that counts as a leak anywhere in it."""

_BLOCK = (MIN_PIECE + 1) // 2

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
"""Case folding that keeps every offset: only A-Z change, one character for one."""


@dataclass(frozen=True)
class Spelling:
    """One way `secret` may be written: `form` names it ("" for as is), `fold` compares without case,
    `public` leading characters may show (the masked form's, for the secret as is)."""

    text: str
    form: str
    fold: bool
    public: int


@dataclass(frozen=True)
class Piece:
    """A run of `spelling.text[start:start + length]` found at `offset` in a text."""

    offset: int
    length: int
    start: int
    spelling: Spelling

    @property
    def end(self) -> int:
        return self.offset + self.length


@lru_cache(maxsize=256)
def spellings(secret: str, public: int) -> tuple[Spelling, ...]:
    """The secret as is (case-insensitive), percent-encoded and JSON-escaped (the same, where they differ),
    and the base64 of each byte alignment, without the characters that depend on its neighbours."""
    forms = [Spelling(secret, "", True, public)]
    for form, text in (("percent-encoded", quote(secret, safe="")), ("percent-encoded", quote_plus(secret, safe="")),
                       ("JSON-escaped", json.dumps(secret)[1:-1]), ("JSON-escaped", json.dumps(secret)[1:-1].replace("/", "\\/"))):
        forms.append(Spelling(text, form, True, 0))
    data = secret.encode("utf-8", "surrogateescape")
    for skip in range(3):
        usable = (len(data) - skip) // 3 * 3
        if usable >= 3:
            encoded = base64.b64encode(data[skip:skip + usable]).decode()
            forms += [Spelling(encoded, "base64", False, 0),
                      Spelling(encoded.replace("+", "-").replace("/", "_"), "base64", False, 0)]
    unique: dict[tuple[str, bool], Spelling] = {}
    for spelling in forms:
        unique.setdefault((spelling.text.translate(_ASCII_LOWER) if spelling.fold else spelling.text, spelling.fold), spelling)
    return tuple(unique.values())


def find_pieces(secret: str, text: str, public: int) -> list[Piece]:
    """Every leak of `secret` in `text`, longest first where they overlap, then in text order, none overlapping."""
    if not secret or not text:
        return []
    folded: str | None = None
    found: list[Piece] = []
    for spelling in spellings(secret, public):
        if spelling.fold and folded is None:
            folded = text.translate(_ASCII_LOWER)
        found += _pieces(spelling, folded if spelling.fold else text)
    found.sort(key=lambda piece: (-piece.length, piece.offset))
    kept: list[Piece] = []
    for piece in found:
        if not any(piece.offset < other.end and other.offset < piece.end for other in kept):
            kept.append(piece)
    return sorted(kept, key=lambda piece: piece.offset)


def _pieces(spelling: Spelling, text: str) -> list[Piece]:
    needle = spelling.text.translate(_ASCII_LOWER) if spelling.fold else spelling.text
    size = min(_BLOCK, len(needle))
    blocks: dict[str, list[int]] = {}
    for start in range(0, len(needle) - size + 1, size):
        blocks.setdefault(needle[start:start + size], []).append(start)
    seen: set[tuple[int, int]] = set()
    pieces = []
    for block, starts in blocks.items():
        hit = text.find(block)
        while hit != -1:
            for start in starts:
                piece = _grown(needle, text, hit, start, size)
                if (piece[0], piece[2]) not in seen and _leaks(spelling, piece[2], piece[1]):
                    seen.add((piece[0], piece[2]))
                    pieces.append(Piece(piece[0], piece[1], piece[2], spelling))
            hit = text.find(block, hit + 1)
    return pieces


def _grown(needle: str, text: str, hit: int, start: int, size: int) -> tuple[int, int, int]:
    """(offset, length, start in needle) of the longest match through `needle[start:start + size]` at `hit`."""
    left = 0
    while start - left > 0 and hit - left > 0 and text[hit - left - 1] == needle[start - left - 1]:
        left += 1
    right = size
    while start + right < len(needle) and hit + right < len(text) and text[hit + right] == needle[start + right]:
        right += 1
    return hit - left, left + right, start - left


def _leaks(spelling: Spelling, start: int, length: int) -> bool:
    """The whole secret; a start of it longer than may show; or a long enough run that is not all public prefix."""
    as_is = not spelling.form
    if as_is and length == len(spelling.text):
        return True
    if start + length <= spelling.public:
        return False
    return (as_is and start == 0) or length >= MIN_PIECE
