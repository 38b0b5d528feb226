"""Redaction before anything is written: headers, URLs, text and bytes."""

from __future__ import annotations

from imagecontract.redact import REDACTED, mask_key, redact_bytes, redact_headers, redact_text, redact_url

KEY = "sk-canary-0123456789"


def test_sensitive_headers_go_whole_and_other_headers_lose_the_secret() -> None:
    headers = {"Authorization": f"Bearer {KEY}", "api-key": "anything", "OpenAI-Organization": "org-1",
               "OpenAI-Project": "proj-1", "Cookie": "a=b", "X-Echo": f"saw {KEY}", "Content-Type": "application/json"}

    assert redact_headers(headers, [KEY]) == {
        "Authorization": REDACTED, "api-key": REDACTED, "OpenAI-Organization": REDACTED, "OpenAI-Project": REDACTED,
        "Cookie": REDACTED, "X-Echo": f"saw {REDACTED}", "Content-Type": "application/json",
    }


def test_header_lists_keep_their_shape() -> None:
    assert redact_headers({"set-cookie": ["a=1", "b=2"], "x": [KEY]}, [KEY]) == {
        "set-cookie": [REDACTED, REDACTED], "x": [REDACTED]}


def test_urls_lose_secrets_in_any_spelling_and_key_parameters_by_name() -> None:
    url = f"https://h/v1/images?api-key=abc&size=1&API_KEY=d&token=t&key=k&note={KEY}&enc=sk%2Fa%2Bb#frag"

    assert redact_url(url, [KEY, "sk/a+b"]) == (
        f"https://h/v1/images?api-key={REDACTED}&size=1&API_KEY={REDACTED}&token={REDACTED}&key={REDACTED}"
        f"&note={REDACTED}&enc={REDACTED}#frag"
    )
    assert redact_url("https://h/v1/images/generations", [KEY]) == "https://h/v1/images/generations"


def test_text_and_bytes_lose_every_occurrence_longest_secret_first() -> None:
    text = f"{KEY} and {KEY}-extended and sk-canary"

    assert redact_text(text, ["sk-canary", f"{KEY}-extended", KEY, ""]) == f"{REDACTED} and {REDACTED} and {REDACTED}"
    assert redact_bytes(text.encode() + b"\xff", [KEY]) == f"{REDACTED} and {REDACTED}-extended and {REDACTED}".encode() + b"\xff"


def test_redaction_is_idempotent() -> None:
    once = redact_url(f"https://h/?api-key={KEY}&q={KEY}", [KEY])

    assert redact_url(once, [KEY]) == once


def test_mask_key_is_unchanged() -> None:
    assert mask_key("sk-abcdefghijklmnop") == "sk-abc***...nop"
