"""error_envelope and no_secret_echo."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from imagecontract.checks import CheckOutcome
from imagecontract.exchange import Exchange

Judge = Callable[[str, Exchange], CheckOutcome]
MakeExchange = Callable[..., Exchange]

SECRET = "sk-abc123def456ghi789jkl0xyz"


def envelope(**fields: Any) -> dict[str, Any]:
    error = {"code": "invalid_api_key", "message": "Incorrect API key provided: sk-abc***...xyz.", "param": None,
             "type": "invalid_request_error"}
    return {"error": {**error, **fields}}


def reasons(outcome: CheckOutcome) -> list[tuple[str, str]]:
    return [(failure.path, failure.reason) for failure in outcome.failures]


EXPECTED = {"type": "invalid_request_error", "code": "invalid_api_key", "param": None, "message": "Incorrect API key"}


def test_error_envelope_as_expected(judge: Judge, make_exchange: MakeExchange) -> None:
    exchange = make_exchange(status=401, body=envelope(), expect={"status": 401, "error": EXPECTED})
    assert judge("error_envelope", exchange).passed


def test_error_envelope_fields_differ(judge: Judge, make_exchange: MakeExchange) -> None:
    body = envelope(code=None, param="image", message="Something else entirely")
    outcome = judge("error_envelope", make_exchange(status=401, body=body, expect={"error": EXPECTED}))
    assert reasons(outcome) == [
        ("$.error.code", 'expected "invalid_api_key", got null'),
        ("$.error.param", 'expected null, got string "image"'),
    ]
    reworded = judge("error_message", make_exchange(status=401, body=body, expect={"error": EXPECTED}))
    assert reasons(reworded) == [
        ("$.error.message", 'expected a message matching /Incorrect API key/, got string "Something else entirely"'),
    ]
    assert not reworded.fails_test() and reworded.fails_test(strict=True)


def test_error_envelope_missing_key_is_not_null(judge: Judge, make_exchange: MakeExchange) -> None:
    body = {"error": {"message": "m", "type": "invalid_request_error"}}
    outcome = judge("error_envelope", make_exchange(status=400, body=body, expect={"error": {"param": None}}))
    assert reasons(outcome) == [("$.error.param", "expected null, got nothing")]


@pytest.mark.parametrize(
    "status, body, got",
    [
        (500, b"upstream exploded", "a body that is not JSON"),
        (200, {"created": 1, "data": []}, "object {created, data}"),
        (400, {"error": "bad"}, "object {error}"),
    ],
)
def test_error_envelope_absent(judge: Judge, make_exchange: MakeExchange, status: int, body: Any, got: str) -> None:
    outcome = judge("error_envelope", make_exchange(status=status, body=body, expect={"error": {}}))
    assert reasons(outcome) == [("$", f'expected an error envelope {{"error": {{...}}}}, got {got}')]


def test_error_envelope_applies_only_to_errors(judge: Judge, make_exchange: MakeExchange) -> None:
    assert not judge("error_envelope", make_exchange(body={"created": 1, "data": []})).applicable
    assert judge("error_envelope", make_exchange(status=404, body=envelope())).passed


def test_error_envelope_bad_regex(judge: Judge, make_exchange: MakeExchange) -> None:
    outcome = judge("error_envelope", make_exchange(status=400, body=envelope(), expect={"error": {"message": "(["}}))
    ((path, reason),) = reasons(outcome)
    assert reason.startswith("expect.error.message is not a valid regex")


def test_no_secret_echo_accepts_the_masked_key(judge: Judge, make_exchange: MakeExchange) -> None:
    assert judge("no_secret_echo", make_exchange(status=401, body=envelope(), secrets=(SECRET,))).passed
    assert not judge("no_secret_echo", make_exchange(status=401, body=envelope())).applicable


@pytest.mark.parametrize(
    "message, amount",
    [(f"Incorrect API key provided: {SECRET}.", "all"), (f"key {SECRET[:7]}***", "the first 7"),
     (f"key {SECRET[:20]}", "the first 20")],
)
def test_no_secret_echo_catches_the_key_in_the_body(
    judge: Judge, make_exchange: MakeExchange, message: str, amount: str
) -> None:
    outcome = judge("no_secret_echo", make_exchange(status=401, body=envelope(message=message), secrets=("other-secret", SECRET)))
    assert reasons(outcome) == [
        ("$.error.message", f"echoes {amount} of the {len(SECRET)} characters of secret 2 of 2; at most 6 may be shown, and no 8 in a row")
    ]
    assert SECRET[:7] not in outcome.failures[0].reason


def test_no_secret_echo_in_headers_and_raw_bodies(judge: Judge, make_exchange: MakeExchange) -> None:
    exchange = make_exchange(status=502, body=f"<p>{SECRET}</p>".encode(), headers={"x-echo": f"Bearer {SECRET}"},
                             secrets=(SECRET,))
    assert [path for path, _ in reasons(judge("no_secret_echo", exchange))] == ["$", "headers.x-echo"]


def test_no_secret_echo_allows_the_public_kind_of_a_project_key(judge: Judge, make_exchange: MakeExchange) -> None:
    key = "sk-proj-Abc123def456ghi789jkl0"
    shown = envelope(message="Incorrect API key provided: sk-proj-********************jkl0.")
    assert judge("no_secret_echo", make_exchange(status=401, body=shown, secrets=(key,))).passed
    leaked = envelope(message="Incorrect API key provided: sk-proj-A*******************jkl0.")
    assert not judge("no_secret_echo", make_exchange(status=401, body=leaked, secrets=(key,))).passed
