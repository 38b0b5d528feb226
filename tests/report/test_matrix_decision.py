"""The matrix as a decision page: totals, failures grouped by root cause, severity, and per-cell facts."""

from __future__ import annotations

import json

from imagecontract.report.matrix import build_matrix, cell_of, to_html, to_json, to_markdown
from imagecontract.report.matrix_causes import reason_shape


def record(name: str, outcome: str = "passed", **extra: object) -> dict:
    return {"nodeid": f"c.yaml::{name}", "endpoint": "generations", "model": "dall-e-2", "request": name,
            "outcome": outcome, **extra}


def no_model(name: str, status: int) -> dict:
    """A gateway that rejects requests without `model`: one cause, one failure per request."""
    return record(name, "failed", failures=[{"check": "status_code", "path": "$", "reason": f"expected 200, got {status}"}],
                  exchange={"response": {"status": status, "latency": 0.05}})


PADDED = record("padded", advisories=[{"check": "response_unpadded", "path": "$.system_fingerprint",
                                       "reason": "$.system_fingerprint added by the gateway: None"}],
                exchange={"response": {"status": 200, "latency": 0.5}}, upstream={"attempts": 1, "overhead": 0.25})
RETRIED = record("retried", "failed", failures=[{"check": "no_silent_retries", "path": "$", "reason": "called the upstream 3 times"}],
                 exchange={"response": {"status": 200, "latency": 2.0}}, upstream={"attempts": 3, "overhead": 0.1})


def gateway_summary() -> dict:
    return {"tests": [no_model(f"default {index}", 400) for index in range(8)] + [PADDED, RETRIED, record("fine")]}


def reference_summary() -> dict:
    return {"tests": [record(f"default {index}") for index in range(8)] + [record("padded"), record("retried"), record("fine")]}


def test_one_cause_failing_eight_tests_is_one_root_cause_with_its_tests() -> None:
    matrix = build_matrix({"openai": reference_summary(), "gw": gateway_summary()}, "openai")
    causes = matrix.causes()
    first = causes[0]
    assert (first.target, first.check, first.shape, first.severity) == ("gw", "status_code", "expected 200, got 400", "contract")
    assert first.tests == [f"c.yaml::default {index}" for index in range(8)]
    assert [(cause.check, len(cause.tests), cause.severity) for cause in causes] == [
        ("status_code", 8, "contract"), ("no_silent_retries", 1, "contract"), ("response_unpadded", 1, "advisory")]
    assert matrix.totals() == {"openai": {"pass": 11, "fail": 0, "advisory": 0, "skipped": 0, "unsupported": 0},
                               "gw": {"pass": 1, "fail": 9, "advisory": 1, "skipped": 0, "unsupported": 0}}


def test_an_advisory_is_its_own_verdict_and_cells_carry_status_latency_overhead_and_attempts() -> None:
    padded, retried = cell_of(PADDED), cell_of(RETRIED)
    assert padded.verdict == "advisory" and padded.reason.endswith("(advisory)")
    assert padded.facts() == "200 · 0.50 s · +0.25 s gateway · 1 upstream call"
    assert retried.facts() == "200 · 2.00 s · +0.10 s gateway · 3 upstream calls"


def test_differs_from_reference_compares_reasons_not_only_verdicts() -> None:
    slower = no_model("default 0", 400)
    slower["exchange"] = {"response": {"status": 400, "latency": 3.0}}
    other_status = {"tests": [no_model("default 0", 404)]}
    other_check = {"tests": [record("default 0", "failed", failures=[{"check": "usage", "path": "$.usage", "reason": "x"}])]}
    matrix = build_matrix({"ref": {"tests": [no_model("default 0", 400)]}, "same": {"tests": [slower]},
                           "404": other_status, "other": other_check}, "ref")
    assert matrix.differences(matrix.rows[0]) == ["404", "other"]


def test_reason_shapes_take_out_what_varies_between_tests() -> None:
    assert reason_shape("expected 256x256, got 1024x1024") == "expected <n>x<n>, got <n>x<n>"
    assert reason_shape("expected 200, got 404 after 0.25 s") == "expected 200, got 404 after <n> s"
    assert reason_shape("`style` dropped: the client sent 'natural'") == "`style` dropped: the client sent <value>"
    assert reason_shape("http://127.0.0.1:9/x.png: refused") == "<url> refused"
    assert reason_shape("""reworded: the upstream sent "Invalid 'n': too lo..., the client got 'x'""") == (
        "reworded: the upstream sent <value>, the client got <value>")


def test_every_rendering_leads_with_totals_and_root_causes() -> None:
    matrix = build_matrix({"openai": reference_summary(), "gw": gateway_summary()}, "openai")
    data = json.loads(to_json(matrix))
    assert data["totals"]["gw"]["fail"] == 9 and data["causes"][0]["count"] == 8
    assert data["rows"][0]["cells"]["gw"]["status"] == 400
    markdown = to_markdown(matrix)
    assert "| gw | 1 | 9 | 1 | 0 | 0 |" in markdown and "| gw | contract | status_code | $ | 8 | expected 200, got 400 |" in markdown
    page = to_html(matrix)
    assert "gw: 1 pass, 9 fail from 2 root causes, 1 advisory" in page
    assert "+0.25 s gateway" in page
