"""One server-sent-events parser for the engine and the cassettes, with the standard's line ends: CRLF, LF, CR."""

from __future__ import annotations

import pytest

from imagecontract.sse import BlockReader, is_event, parse_event, split_events

STREAM = {
    "LF": b'event: a\ndata: {"n": 1}\n\n: ping\n\nevent: b\ndata: {"n": 2}\n\n',
    "CRLF": b'event: a\r\ndata: {"n": 1}\r\n\r\n: ping\r\n\r\nevent: b\r\ndata: {"n": 2}\r\n\r\n',
    "CR": b'event: a\rdata: {"n": 1}\r\r: ping\r\revent: b\rdata: {"n": 2}\r\r',
}


def test_parse_event_block() -> None:
    event = parse_event(': comment\nevent: x\ndata: {"a":\ndata: 1}', 0.5)
    assert event is not None and (event.event, event.data, event.at) == ("x", {"a": 1}, 0.5)
    assert parse_event(": only a comment", 0.0) is None
    assert not is_event(": only a comment") and is_event("data: x")


@pytest.mark.parametrize("ending", STREAM)
def test_every_line_ending_frames_the_same_events(ending: str) -> None:
    blocks = split_events(STREAM[ending])
    assert b"".join(blocks) == STREAM[ending]
    events = [parse_event(block.decode(), 0.0) for block in blocks]
    assert [(event.event, event.data) for event in events if event] == [("a", {"n": 1}), ("b", {"n": 2})]


def test_a_crlf_is_one_line_end_never_a_blank_line() -> None:
    assert split_events(b"data: 1\r\ndata: 2\r\n\r\n") == [b"data: 1\r\ndata: 2\r\n\r\n"]
    event = parse_event("data: 1\r\ndata: 2\r\n", 0.0)
    assert event is not None and event.data == "1\n2"


@pytest.mark.parametrize("ending", STREAM)
def test_chunks_cut_anywhere_give_the_same_blocks(ending: str) -> None:
    body = STREAM[ending]
    for size in (1, 2, 3, 5):
        reader = BlockReader()
        blocks = [block for start in range(0, len(body), size) for block in reader.feed(body[start:start + size])]
        rest = reader.rest()
        assert blocks + ([rest] if rest else []) == split_events(body), (ending, size)


def test_a_cut_off_last_block_is_kept_as_it_is() -> None:
    assert split_events(b"data: 1\n\ndata: 2") == [b"data: 1\n\n", b"data: 2"]
