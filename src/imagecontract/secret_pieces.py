"""Finding any piece of a secret in a text, in the forms a gateway may echo it.

A gateway that echoes "only" the last 16 characters of a key, 12 from its middle, the key upper-cased,
its base64, or each half in its own stream event has still leaked it. So a leak is any run of
`MIN_PIECE` or more characters of the secret (compared without case), or of one of its spellings:
base64 (at each of the three byte alignments, either alphabet), percent-encoded, JSON-escaped; and, as
before, any start of the secret longer than its masked form shows.

The search is linear in the text: every run of `MIN_PIECE` characters holds one whole block of `_BLOCK`
characters starting at a multiple of `_BLOCK` in the text, so the text's aligned blocks are looked up in
the set of the secret's blocks (in C), and only blocks found there are searched for and grown to the
longest match around each place they appear.
"""

from __future__ import annotations

import base64
import json
import re
import string
import sys
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from typing import Mapping
from urllib.parse import quote, quote_plus

MIN_PIECE = 8
"""The shortest run of a secret's characters that counts as a leak anywhere in it."""

MIN_BASE64_PIECE = MIN_PIECE + 1
"""Characters of the secret a base64 run must carry: a JPEG's Huffman tables hold 8-byte alphabet runs
(`cdefghij`, `STUVWXYZ`), so a key with such a run would otherwise be found in every JPEG's base64."""

_BLOCK = 4
"""(MIN_PIECE + 1) // 2, and the size of the integers `_aligned_hits` reads text as."""

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
    if len(secret) < _BLOCK or not text:
        return _whole(secret, text, public)
    found: dict[tuple[int, int, str], Piece] = {}
    folded = text.translate(_ASCII_LOWER)
    blocks, codes = _blocks(secret, public)
    for hit in _aligned_hits(folded, blocks, codes):
        for spelling, start in blocks[folded[hit:hit + _BLOCK]]:
            needle, haystack = _needle(spelling), folded if spelling.fold else text
            if haystack[hit:hit + _BLOCK] != needle[start:start + _BLOCK]:
                continue
            offset, length, first = _grown(needle, haystack, hit, start)
            if _leaks(spelling, first, length):
                found.setdefault((offset, first, spelling.text), Piece(offset, length, first, spelling))
    kept: list[Piece] = []
    for piece in sorted(found.values(), key=lambda piece: (-piece.length, piece.offset)):
        if not any(piece.offset < other.end and other.offset < piece.end for other in kept):
            kept.append(piece)
    return sorted(kept, key=lambda piece: piece.offset)


def _whole(secret: str, text: str, public: int) -> list[Piece]:
    """A secret too short to have blocks counts only whole."""
    spelling = Spelling(secret, "", False, public)
    found, hit = [], text.find(secret) if secret else -1
    while hit != -1:
        found.append(Piece(hit, len(secret), 0, spelling))
        hit = text.find(secret, hit + len(secret))
    return found


_WINDOW = 1 << 20
_ALIGNED = re.compile(f"(?s).{{{_BLOCK}}}")


def _aligned_hits(text: str, blocks: Mapping[str, object], codes: frozenset[int]) -> list[int]:
    """Offsets, multiples of `_BLOCK`, where `text` has one of `blocks`: every run of `MIN_PIECE` characters holds
    one, so nothing else can start a leak. Lookups in C: a one-byte-per-character text is read as 4-byte integers
    (`codes`, the blocks as such integers); any other text as strings, a window at a time."""
    try:
        data = text.encode("latin-1")
    except UnicodeEncodeError:
        hits: list[int] = []
        for start in range(0, len(text), _WINDOW):
            chunks = _ALIGNED.findall(text, start, start + _WINDOW)
            hits += compress(range(start, start + _BLOCK * len(chunks), _BLOCK), map(blocks.__contains__, chunks))
        return hits
    view = memoryview(data)[:len(data) - len(data) % _BLOCK].cast("I")
    return list(compress(range(0, _BLOCK * len(view), _BLOCK), map(codes.__contains__, view)))


def _code(block: str) -> int | None:
    try:
        return int.from_bytes(block.encode("latin-1"), sys.byteorder)
    except UnicodeEncodeError:
        return None


def _needle(spelling: Spelling) -> str:
    return spelling.text.translate(_ASCII_LOWER) if spelling.fold else spelling.text


@lru_cache(maxsize=256)
def _blocks(secret: str, public: int) -> tuple[dict[str, list[tuple[Spelling, int]]], frozenset[int]]:
    """Every block of every spelling at any offset, keyed without case (one pass over the folded text finds the
    hits of all spellings; those compared with case are checked again): where it sits; and the keys as the
    integers `_aligned_hits` reads."""
    blocks: dict[str, list[tuple[Spelling, int]]] = {}
    for spelling in spellings(secret, public):
        needle = _needle(spelling)
        for start in range(len(needle) - _BLOCK + 1):
            blocks.setdefault(needle[start:start + _BLOCK].translate(_ASCII_LOWER), []).append((spelling, start))
    codes = frozenset(code for code in map(_code, blocks) if code is not None)
    return blocks, codes


def _grown(needle: str, text: str, hit: int, start: int) -> tuple[int, int, int]:
    """(offset, length, start in needle) of the longest match through `needle[start:start + _BLOCK]` at `hit`."""
    left = 0
    while start - left > 0 and hit - left > 0 and text[hit - left - 1] == needle[start - left - 1]:
        left += 1
    right = _BLOCK
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
    if spelling.form == "base64":
        return carried(spelling, length) >= MIN_BASE64_PIECE
    return (as_is and start == 0) or length >= MIN_PIECE


def carried(spelling: Spelling, length: int) -> int:
    """How many characters of the secret `length` characters of a spelling carry (six in eight of base64)."""
    return length * 3 // 4 if spelling.form == "base64" else length
