"""The registry: names, selection, skipping, applicability and secret-free reasons."""

from __future__ import annotations

from typing import Callable

import pytest

from imagecontract.checks import CHECKS, CheckContext, UnknownCheck, check, run_checks, selected_checks
from imagecontract.exchange import Exchange

ALL_CHECKS = [
    "status_code",
    "response_schema",
    "json_content_type",
    "error_envelope",
    "error_message",
    "no_secret_echo",
    "retirement_named",
    "image_count",
    "image_decodes",
    "transparent_background",
    "edit_preserves_unmasked",
    "variation_resembles_input",
    "expected_images",
    "response_format",
    "revised_prompt",
    "usage",
    "input_images_used",
    "reported_settings",
    "usage_arithmetic",
    "gif_frames",
    "svg_document",
    "stream_events",
    "field_assertions",
    "latency_budget",
    "first_event_latency",
    "no_silent_retries",
    "request_forwarded",
    "response_passed_through",
    "response_unpadded",
    "errors_passed_through",
    "error_message_passed_through",
    "gateway_overhead",
    "no_upstream_leak",
    "upstream_key_used",
]

MakeExchange = Callable[..., Exchange]


def test_every_check_is_registered_in_order_with_a_summary() -> None:
    assert list(CHECKS) == ALL_CHECKS
    assert all(registered.summary.endswith(".") for registered in CHECKS.values())


def test_unknown_check_suggests_the_close_name(make_exchange: MakeExchange, context: CheckContext) -> None:
    with pytest.raises(UnknownCheck, match=r"selected checks: unknown check 'image_cont' \(did you mean 'image_count'\?\); "
                                           r"known checks: status_code, response_schema"):
        run_checks(make_exchange(body={}), context, select=["image_cont"])


def test_unknown_check_in_the_collection_says_where(make_exchange: MakeExchange, context: CheckContext) -> None:
    with pytest.raises(UnknownCheck, match=r"expect\.skip_checks: unknown check 'nope'; known checks"):
        run_checks(make_exchange(body={}, expect={"skip_checks": ["nope"]}), context)


def test_selection_and_skips_combine(make_exchange: MakeExchange) -> None:
    exchange = make_exchange(body={}, expect={"checks": ["status_code", "usage", "image_count"], "skip_checks": ["usage"]})
    assert selected_checks(exchange) == ["status_code", "image_count"]
    assert selected_checks(exchange, select=["image_count", "latency_budget"]) == ["image_count"]
    assert selected_checks(exchange, skip=["image_count"]) == ["status_code"]
    assert selected_checks(make_exchange(body={})) == ALL_CHECKS


def test_checks_with_nothing_to_judge_are_not_applicable(make_exchange: MakeExchange, context: CheckContext) -> None:
    outcomes = run_checks(make_exchange(body={}), context, select=["latency_budget", "status_code"])
    assert [(outcome.name, outcome.applicable, outcome.passed) for outcome in outcomes] == [
        ("status_code", True, True),
        ("latency_budget", False, False),
    ]


def test_reasons_never_carry_a_secret(make_exchange: MakeExchange, context: CheckContext) -> None:
    secret = "sk-live-0123456789abcdef"
    exchange = make_exchange(
        status=401,
        body={"error": {"message": f"bad key {secret}", "type": "t", "param": None, "code": None}},
        expect={"status": 401, "fields": {"error.message": "something else"}},
        secrets=(secret,),
    )
    failures = [failure for outcome in run_checks(exchange, context) for failure in outcome.failures]
    assert {failure.check for failure in failures} == {"no_secret_echo", "field_assertions"}
    assert all(secret[:7] not in failure.reason for failure in failures)
    assert any("[redacted]" in failure.reason for failure in failures)


def test_a_name_registers_once() -> None:
    def status_code(exchange: Exchange, context: CheckContext) -> list:
        return []

    with pytest.raises(ValueError, match="registered twice"):
        check(applies=lambda exchange: True)(status_code)
