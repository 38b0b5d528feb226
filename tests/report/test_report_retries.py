"""429 retries reach the report: in the test's record (summary.json) and as a Retries block in its section."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from test_report import blob

from imagecontract.image_budget import retry

SPEED = 20.0
"""Sandbox seconds per real second, so its one-minute rate window lasts three real seconds."""


def test_retries_are_recorded_and_shown(make_project: Any, sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    start = time.time()
    server = sandbox(rate_limit=1, clock=lambda: start + (time.time() - start) * SPEED)
    monkeypatch.setattr(retry, "RETRY_SLEEP_SCALE", 1 / SPEED)
    project = make_project()
    project.runpytest("collections", "--target", server.base_url, "--live", "--latency-scale", "100").assert_outcomes(passed=2)
    assert server.stats()["rate_limited"] >= 1
    records = json.loads((project.path / "reports" / "summary.json").read_text())["tests"]
    retried = [record for record in records if record["retries"]]
    assert retried and retried[0]["retries"][0].startswith("429 on attempt 1: retried after Retry-After ")
    assert ["Captured imagecontract retries call", "\n".join(retried[0]["retries"])] in retried[0]["sections"]
    section = blob((project.path / "reports" / "report.html").read_text())["tests"][retried[0]["nodeid"]][0]["extras"][0]["content"]
    assert '<h4 class="ic-retries">Retries (' in section and f"<li>{retried[0]['retries'][0]}</li>" in section
