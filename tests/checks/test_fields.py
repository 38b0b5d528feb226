"""field_assertions: literals and operators at JSON paths."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from imagecontract.checks import CheckOutcome
from imagecontract.exchange import Exchange

Judge = Callable[[str, Exchange], CheckOutcome]
MakeExchange = Callable[..., Exchange]

BODY = {
    "created": 1713833628,
    "data": [{"url": "https://x/1.png", "revised_prompt": "A cute little sea otter playing in the water"}],
    "usage": {"total_tokens": 100, "ratio": 0.5, "flag": True},
}


def outcome(judge: Judge, make_exchange: MakeExchange, fields: dict[str, Any], body: Any = BODY) -> CheckOutcome:
    return judge("field_assertions", make_exchange(body=body, expect={"fields": fields}))


def test_assertions_that_hold(judge: Judge, make_exchange: MakeExchange) -> None:
    fields = {
        "created": 1713833628,
        "$.data[0].revised_prompt": {"exists": True, "type": "string", "matches": "sea otter", "len": 44},
        "data[-1].url": "https://x/1.png",
        "data": {"type": "array", "len": 1},
        "usage.total_tokens": {"type": "number", "gte": 1, "lte": 100, "equals": 100.0},
        "usage.ratio": {"type": "number"},
        "usage.flag": True,
        "usage.missing": {"exists": False},
        "data[0]": {"url": "https://x/1.png", "revised_prompt": "A cute little sea otter playing in the water"},
    }
    assert outcome(judge, make_exchange, fields).passed


@pytest.mark.parametrize(
    "path, spec, failing_path, reason",
    [
        ("created", 1, "$.created", "expected 1, got integer 1713833628"),
        ("usage.flag", 1, "$.usage.flag", "expected 1, got boolean true"),
        ("usage.total_tokens", {"type": "integer", "gte": 101}, "$.usage.total_tokens",
         "expected at least 101, got integer 100"),
        ("usage.flag", {"type": "integer"}, "$.usage.flag", "expected integer, got boolean true"),
        ("usage.ratio", {"lte": 0.25}, "$.usage.ratio", "expected at most 0.25, got number 0.5"),
        ("data", {"len": 2}, "$.data", "expected length 2, got array [1 items]"),
        ("data[0].revised_prompt", {"matches": "^otter"}, "$.data[0].revised_prompt",
         'expected a string matching /^otter/, got string "A cute little sea otter playing in the w…" (44 chars)'),
        ("data[1].url", {"exists": True}, "$.data[1].url", "expected the field to exist, got nothing"),
        ("usage", {"exists": False}, "$.usage", "expected no such field, got object {total_tokens, ratio, flag}"),
        ("data[0].b64_json", {"type": "string"}, "$.data[0].b64_json", "expected string, got nothing"),
        ("created", {"type": "null"}, "$.created", "expected null, got integer 1713833628"),
        ("data[0]", {"url": "other"}, "$.data[0]", 'expected {url}, got object {url, revised_prompt}'),
    ],
)
def test_assertions_that_fail(judge: Judge, make_exchange: MakeExchange, path: str, spec: Any, failing_path: str,
                              reason: str) -> None:
    failures = outcome(judge, make_exchange, {path: spec}).failures
    assert [(failure.path, failure.reason) for failure in failures] == [(failing_path, reason)]


def test_bad_expectations_are_reported(judge: Judge, make_exchange: MakeExchange) -> None:
    failures = outcome(judge, make_exchange, {"data[x]": 1, "data[0].url": {"matches": "(["}}).failures
    assert failures[0].reason.startswith("expect.fields: invalid path 'data[x]'")
    assert failures[1].reason.startswith('cannot apply matches "([": ')


def test_non_json_body(judge: Judge, make_exchange: MakeExchange) -> None:
    failures = outcome(judge, make_exchange, {"created": 1}, body=b"<html>").failures
    assert [failure.reason for failure in failures] == ["expected a JSON body to assert fields on, got application/json"]
