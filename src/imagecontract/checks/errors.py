"""Error answers: the envelope and its fields as expected, and no secret echoed back."""

from __future__ import annotations

import re
from typing import Any

from imagecontract.checks.conditions import has_secrets, is_error
from imagecontract.checks.registry import ADVISORY, CheckContext, check
from imagecontract.exchange import Exchange, Failure
from imagecontract.jsonpath import MISSING, describe_value, format_path, json_equal, show
from imagecontract.checks.leaks import Leak, allowed_prefix, find_leaks
from imagecontract.redact import leak_words
from imagecontract.secret_pieces import MIN_PIECE

ERROR_FIELDS = ("type", "code", "param")
"""Envelope fields compared for equality; null is a meaningful expected value."""

SHOWN_MESSAGE_CHARS = 120


@check(applies=is_error)
def error_envelope(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """An error answer carries `{"error": {...}}` whose type, code and param are as expected."""
    body = exchange.response.json_or_none()
    envelope = body.get("error") if isinstance(body, dict) else None
    if not isinstance(envelope, dict):
        got = describe_value(body) if body is not None else "a body that is not JSON"
        return [Failure("error_envelope", f'expected an error envelope {{"error": {{...}}}}, got {got}')]
    expected = exchange.expect.get("error") or {}
    failures = []
    for key in ERROR_FIELDS:
        actual = envelope.get(key, MISSING)
        if key in expected and not json_equal(actual, expected[key]):
            reason = f"expected {show(expected[key])}, got {describe_value(actual)}"
            failures.append(Failure("error_envelope", reason, f"$.error.{key}"))
    if "message" in expected:
        try:
            re.compile(expected["message"])
        except re.error as error:
            failures.append(Failure("error_envelope", f"expect.error.message is not a valid regex: {error}", "$.error.message"))
    return failures


def _expects_message(exchange: Exchange) -> bool:
    expected = exchange.expect.get("error")
    return is_error(exchange) and isinstance(expected, dict) and "message" in expected


@check(applies=_expects_message, severity=ADVISORY)
def error_message(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """An error's message matches `expect.error.message`: a reworded message is advisory, clients go by type and code."""
    pattern = exchange.expect["error"]["message"]
    body = exchange.response.json_or_none()
    envelope = body.get("error") if isinstance(body, dict) else None
    message = envelope.get("message", MISSING) if isinstance(envelope, dict) else MISSING
    try:
        found = isinstance(message, str) and re.search(pattern, message) is not None
    except re.error:
        return []
    if found:
        return []
    got = describe_value(message, SHOWN_MESSAGE_CHARS)
    return [Failure("error_message", f"expected a message matching /{pattern}/, got {got}", "$.error.message")]


@check(applies=has_secrets)
def no_secret_echo(exchange: Exchange, context: CheckContext) -> list[Failure]:
    """No secret sent with the request comes back, whole or as more than a masked prefix."""
    places = _texts(exchange)
    failures = []
    for number, secret in enumerate(exchange.secrets, start=1):
        for path, text in places:
            leaks = find_leaks(secret, text)
            if leaks:
                label = f"secret {number} of {len(exchange.secrets)}"
                widest = max(leaks, key=lambda leak: (leak.shown, leak.start == 0))
                failures.append(Failure("no_secret_echo", _leak_reason(label, secret, widest), path))
    return failures


def _texts(exchange: Exchange) -> list[tuple[str, str]]:
    """(path, text) of every place a secret could come back: each string of a JSON body
    (else the raw body), each header, and a stream's strings joined across its events (a key split
    between two events shows whole there)."""
    response = exchange.response
    body = response.json_or_none()
    if body is not None:
        texts = [(format_path(path), value) for path, value in _strings(body, [])]
    else:
        texts = [("$", response.body.decode("utf-8", "replace"))]
    joined: dict[str, list[str]] = {}
    for event in response.events or ():
        for path, value in _strings(event.data, []):
            joined.setdefault(f"events[*]{format_path(path)[1:]} (joined)", []).append(value)
    texts += [(path, "".join(values)) for path, values in joined.items() if len(values) > 1]
    return texts + [(f"headers.{name}", value) for name, value in response.headers.items()]


def _leak_reason(label: str, secret: str, leak: Leak) -> str:
    amount, form = leak_words(leak, secret)
    return (f"echoes {amount} of the {len(secret)} characters of {label}{form}; at most {allowed_prefix(secret)} "
            f"may be shown, and no {MIN_PIECE} in a row")


def _strings(value: Any, path: list[str | int]) -> list[tuple[list[str | int], str]]:
    """Every string in a JSON document (keys included) with the path where it sits."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [
            found
            for key, item in value.items()
            for found in [(path, str(key)), *_strings(item, [*path, key])]
        ]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in _strings(item, [*path, index])]
    return []
