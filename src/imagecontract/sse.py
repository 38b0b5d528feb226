"""Server-sent events, one parser for the engine (as a stream arrives) and the cassettes (a recorded body).

The framing is the HTML standard's: a line ends with CRLF, LF or CR, and a blank
line ends an event block. Only `event:` and `data:` fields are read (the API
sends no `id:` or `retry:`); a block of comments alone is no event.
"""

from __future__ import annotations

import json
import re
from typing import Any

from imagecontract.exchange import StreamEvent
from imagecontract.run.bodyshape import json_too_deep

_LINE_END = re.compile(r"\r\n|\r|\n")
_BLOCK_END = re.compile(rb"(?:\r\n|\r(?!\n)|\n)(?:\r\n|\r(?!\n)|\n)")
"""A line end followed by a blank line; a CR followed by LF is one line end (CRLF), never two."""


def split_events(body: bytes) -> list[bytes]:
    """The event blocks of `body`, each with the blank line that ends it (a cut-off last block as it is).

    The blocks join back into `body` byte for byte, so their positions time a recorded stream.
    """
    reader = BlockReader()
    blocks = reader.feed(body)
    rest = reader.rest()
    return blocks + ([rest] if rest else [])


class BlockReader:
    """Cuts a stream into event blocks as its chunks arrive."""

    def __init__(self) -> None:
        self._pending = bytearray()
        self._searched = 0
        """Where the next search for a block end starts (a block end is at most four bytes)."""

    def feed(self, chunk: bytes) -> list[bytes]:
        """The blocks `chunk` completes. A CR at the very end waits for the next chunk: it may be half a CRLF."""
        self._pending += chunk
        blocks = []
        start = 0
        for match in _BLOCK_END.finditer(self._pending, max(0, self._searched - 3)):
            if match.end() == len(self._pending) and self._pending.endswith(b"\r"):
                break
            blocks.append(bytes(self._pending[start:match.end()]))
            start = match.end()
        del self._pending[:start]
        self._searched = len(self._pending)
        return blocks

    @property
    def pending(self) -> int:
        """Bytes of the event still being read: an endless line grows it (the buffer grows in place, never copied)."""
        return len(self._pending)

    def rest(self) -> bytes:
        """What the stream left after its last complete block (a cut-off event, or nothing)."""
        rest, self._pending, self._searched = bytes(self._pending), bytearray(), 0
        return rest


def _fields(block: str) -> tuple[str | None, list[str]]:
    """An SSE block's `event:` name and `data:` lines; comments and other fields are dropped."""
    name: str | None = None
    data_lines: list[str] = []
    for line in _LINE_END.split(block):
        if not line or line.startswith(":"):
            continue
        key, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if key == "event":
            name = value
        elif key == "data":
            data_lines.append(value)
    return name, data_lines


def is_event(block: str) -> bool:
    """Whether `parse_event` makes an event of this block, without parsing its data (a partial image is megabytes)."""
    name, data_lines = _fields(block)
    return name is not None or bool(data_lines)


def parse_event(block: str, at: float) -> StreamEvent | None:
    """One SSE block -> event name and JSON data (text when not JSON); None for comments only."""
    name, data_lines = _fields(block)
    if name is None and not data_lines:
        return None
    text = "\n".join(data_lines)
    data: Any
    try:
        data = json.loads(text) if not json_too_deep(text.encode()) else text
    except ValueError:
        data = text
    return StreamEvent(event=name, data=data, at=at)
