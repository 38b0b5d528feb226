"""Redaction of what the suite writes: long key prefixes, secret query parameters in free text, log records."""

from __future__ import annotations

import io
import logging
import secrets
from typing import Iterator

import pytest

from imagecontract.redact import (
    REDACTED, LogRedactor, allowed_prefix, find_leaks, mask_key, redact_bytes, redact_message, redact_text,
)

KEY = "sk-" + secrets.token_hex(20)


def test_a_prefix_longer_than_the_masked_form_is_redacted_like_the_key() -> None:
    text = f"whole {KEY}; echoed {KEY[:7]}***; masked {mask_key(KEY)}; six {KEY[:6]}"
    assert redact_text(text, [KEY]) == f"whole {REDACTED}; echoed {REDACTED}***; masked {mask_key(KEY)}; six {KEY[:6]}"


def test_bytes_keep_every_other_byte() -> None:
    body = b"\x89PNG\x00\xff" + KEY[:12].encode() + b"\xfe" + KEY.encode()
    assert redact_bytes(body, [KEY]) == b"\x89PNG\x00\xff" + REDACTED.encode() + b"\xfe" + REDACTED.encode()
    assert redact_bytes(b"\xff\xd8\xff", [KEY]) == b"\xff\xd8\xff"


def test_urls_in_free_text_lose_key_parameters_by_name() -> None:
    azure = secrets.token_hex(16)
    text = f"POST http://127.0.0.1:1/v1/images?size=1&api-key={azure}&key={KEY} failed; saw {KEY[:9]}"
    assert redact_message(text, [KEY]) == (
        f"POST http://127.0.0.1:1/v1/images?size=1&api-key={REDACTED}&key={REDACTED} failed; saw {REDACTED}"
    )
    assert redact_message("<Request (POST) https://h/v1/x?token=abc>", []) == f"<Request (POST) https://h/v1/x?token={REDACTED}>"


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO, LogRedactor]]:
    """A logger writing to a string, with a redactor installed for the test only."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("imagecontract.test.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    redactor = LogRedactor()
    before = logging.getLogRecordFactory()
    redactor.install()
    try:
        yield logger, stream, redactor
    finally:
        redactor.uninstall()
        logger.removeHandler(handler)
        assert logging.getLogRecordFactory() is before


def test_log_records_are_scrubbed_before_any_handler_formats_them(logged) -> None:
    logger, stream, redactor = logged
    redactor.add([KEY])
    logger.info("HTTP Request: %s %s", "POST", f"http://h/v1/images?api-key={KEY}")
    logger.debug("response %r", {"body": f"Incorrect API key provided: {KEY[:16]}***"})
    try:
        raise ValueError(f"bad key {KEY}")
    except ValueError:
        logger.exception("failed")
    written = stream.getvalue()
    assert KEY[:7] not in written
    assert f"api-key={REDACTED}" in written and f"provided: {REDACTED}***" in written
    assert f"ValueError: bad key {REDACTED}" in written


def test_an_uninstalled_redactor_under_another_factory_passes_records_through(logged) -> None:
    logger, stream, redactor = logged
    redactor.add([KEY])
    ours = logging.getLogRecordFactory()
    logging.setLogRecordFactory(lambda *args, **kwargs: ours(*args, **kwargs))
    try:
        redactor.uninstall()
        assert logging.getLogRecordFactory() is not ours, "a factory installed later is left in place"
        logger.info("key %s", KEY)
    finally:
        logging.setLogRecordFactory(ours)
    assert f"key {KEY}" in stream.getvalue()
