"""Any piece of a secret, in any case and spelling, is found (`find_leaks`), hidden (`redact_text`, `redact_bytes`),
failed (`no_secret_echo`) and flagged (`scan-secrets`); what a masked form or a public kind prefix shows is not.

Keys are built at run time: a key-shaped literal in a committed file is itself what the scanner flags.
"""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path
from typing import Callable
from urllib.parse import quote

import pytest

from imagecontract.checks import CheckContext, run_checks
from imagecontract.cli.main import main
from imagecontract.exchange import Exchange, ReceivedResponse, SentRequest, StreamEvent
from imagecontract.redact import REDACTED, find_leaks, mask_key, redact_bytes, redact_headers, redact_text
from imagecontract.schemas import SchemaStore
from imagecontract.secret_pieces import MIN_PIECE
from imagecontract.secret_scan import Secret, scan_text

KEY = "sk-" + secrets.token_urlsafe(36).replace("-", "x").replace("_", "y")
JWT = ".".join(base64.urlsafe_b64encode(secrets.token_bytes(size)).decode().rstrip("=") for size in (27, 39, 27))
"""A bearer token shaped like a JWT, 126 characters, for the split-stream probe."""

PROBES: dict[str, Callable[[str], str]] = {
    "last 16": lambda key: f"key ***{key[-16:]} is wrong",
    "12 from the middle": lambda key: f"key ***{key[20:32]}*** is wrong",
    "upper-cased": lambda key: f"key {key.upper()} is wrong",
    "base64": lambda key: f"key {base64.b64encode(key.encode()).decode()} is wrong",
    "base64, another alignment": lambda key: base64.b64encode(b"x:" + key.encode()).decode(),
    "base64url": lambda key: base64.urlsafe_b64encode(b"Basic " + key.encode()).decode(),
    "percent-encoded": lambda key: "?k=" + quote(key + "/+", safe=""),
    "JSON-escaped": lambda key: json.dumps({"k": (key + "/é").replace("/", "\\/")}),
}
"""The issue's probes (and the spellings they stand for), each a text some target sent back."""


def longest_run(secret: str, text: str) -> int:
    """The most characters of `secret` (any case) in a row in `text`: what a reader could still piece together."""
    lowered, wanted = text.lower(), secret.lower()
    return max((size for size in range(1, len(wanted) + 1) for start in range(len(wanted) - size + 1)
                if wanted[start:start + size] in lowered), default=0)


@pytest.mark.parametrize("probe", PROBES)
def test_every_probe_is_found_and_redacted_whole(probe: str) -> None:
    text = PROBES[probe](KEY)
    assert find_leaks(KEY, text)
    clean = redact_text(text, [KEY])
    assert REDACTED in clean and not find_leaks(KEY, clean)
    assert longest_run(KEY, clean) < MIN_PIECE
    assert redact_bytes(text.encode(), [KEY]) == clean.encode()


@pytest.mark.parametrize("probe", PROBES)
def test_scan_secrets_finds_every_probe(probe: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "summary.json").write_text("{\n" + json.dumps(PROBES[probe](KEY)) + "\n}\n")
    monkeypatch.setenv("GATEWAY_KEY", KEY)
    assert main(["scan-secrets", str(tmp_path), "--key-env", "GATEWAY_KEY"]) == 1
    printed = capsys.readouterr().out
    assert ":2: " in printed and "of the key of $GATEWAY_KEY" in printed or ":2: the key of $GATEWAY_KEY" in printed
    assert longest_run(KEY, printed) < MIN_PIECE


def test_a_piece_in_a_header_is_redacted() -> None:
    headers = redact_headers({"x-echoed-key": KEY[14:28], "x-request-id": "req-123"}, [KEY])
    assert headers == {"x-echoed-key": REDACTED, "x-request-id": "req-123"}


@pytest.mark.parametrize("text", [
    f"Incorrect API key provided: {mask_key(KEY)}.",
    f"a run of seven: {KEY[10:17]}, and another {KEY[30:37]}",
    "sk-proj-**********",
], ids=["masked form", "short runs", "public kind prefix"])
def test_what_may_show_is_not_a_leak(text: str) -> None:
    assert find_leaks(KEY, text) == [] and find_leaks("sk-proj-" + KEY[3:], text) == []
    assert redact_text(text, [KEY]) == text


def test_a_large_body_without_the_key_is_left_alone() -> None:
    body = base64.b64encode(secrets.token_bytes(3 * 1024 * 1024)).decode()
    assert find_leaks(KEY, body) == [] and redact_text(body, [KEY]) is body


def stream_exchange(token: str, halves: tuple[str, str]) -> Exchange:
    events = [StreamEvent("image_generation.partial_image", {"b64_json": "AAAA", "delta": half}, at=0.1 * index)
              for index, half in enumerate(halves)]
    body = "".join(f"event: {event.event}\ndata: {json.dumps(event.data)}\n\n" for event in events).encode()
    response = ReceivedResponse(200, {"content-type": "text/event-stream"}, body, 1.0, events)
    sent = SentRequest("POST", "http://127.0.0.1:1/v1/images/generations", {"Authorization": f"Bearer {token}"},
                       json={"prompt": "c", "stream": True})
    return Exchange(request=sent, response=response, expect={"status": 200}, secrets=(token,))


@pytest.mark.parametrize("cut", [63, 5], ids=["halves", "5 and the rest"])
def test_a_token_split_across_two_events_fails_no_secret_echo(cut: int) -> None:
    exchange = stream_exchange(JWT, (JWT[:cut], JWT[cut:]))
    (outcome,) = run_checks(exchange, CheckContext(schemas=SchemaStore.default()), select=["no_secret_echo"])
    joined = [failure for failure in outcome.failures if failure.path == "events[*].delta (joined)"]
    assert joined and f"echoes all of the {len(JWT)} characters of secret 1 of 1" in joined[0].reason
    assert all(longest_run(JWT, failure.reason) < MIN_PIECE for failure in outcome.failures)


def test_each_half_of_a_split_token_is_redacted_in_the_body() -> None:
    body = stream_exchange(JWT, (JWT[:63], JWT[63:])).response.body
    clean = redact_bytes(body, [JWT]).decode()
    assert clean.count(REDACTED) == 2 and longest_run(JWT, clean) < MIN_PIECE
    assert [find.kind for find in scan_text(body.decode(), "s", [Secret(JWT, "the token")])] == [
        "a 63-character prefix of the token", "63 characters of the token"]


def test_a_jpegs_alphabet_tables_are_no_piece_of_a_key_in_base64() -> None:
    """Every JPEG's Huffman tables hold the bytes `cdefghij` and `STUVWXYZ`: a (test) key holding such a run must not
    have the base64 of every replayed JPEG redacted."""
    jpeg = next(Path(__file__).resolve().parents[2].joinpath("cassettes").rglob("blobs/*.jpeg")).read_bytes()
    assert b"cdefghij" in jpeg
    key = "sk-test-0123456789abcdefghijklmnopqrstuvwxyz"
    assert find_leaks(key, base64.b64encode(jpeg).decode()) == []
    assert find_leaks(key, base64.b64encode(b"the key: " + key.encode()).decode())
