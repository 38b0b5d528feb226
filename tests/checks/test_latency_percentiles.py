"""`repeat:` budgets (p50, p95) are judged by the registered `latency_budget` check, so skipping it skips them,
and a budget scaled below 0.1 s prints its value instead of `0.00`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from imagecontract.collection.loader import load_collection
from imagecontract.exchange import Exchange
from imagecontract.latency import budget_for, seconds_text
from imagecontract.run.engine import CollectionState, RunSettings, run_request
from imagecontract.run.http import new_client

REPEATED = """\
name: Repeated
requests:
  - name: three quick ones
    path: /images/generations
    json: {{model: dall-e-2, prompt: a cat, size: 256x256}}
    repeat: 3
    expect:
      latency: {{budget: 1000000, p50: 1, p95: 1}}
{skip}"""
"""Scaled by 0.0001: each request may take 100 s (a loaded machine took 0.1 s, the old budget), while p50 and p95
must come within 0.1 ms, which no request over HTTP does."""


def test_percentiles_are_judged_on_the_last_repeat(judge, make_exchange) -> None:
    last = dataclasses.replace(make_exchange(body={}, elapsed=0.2, latency_budget=8.0),
                               percentile_budgets={50: 0.5, 95: 1.0}, repeat_latencies=(0.2, 0.3, 2.0))
    reasons = [failure.reason for failure in judge("latency_budget", last).failures]
    assert reasons == ["p95 1.83 s over 3 runs, budget 1.00 s"]
    earlier: Exchange = dataclasses.replace(last, repeat_latencies=())
    assert judge("latency_budget", earlier).passed


def test_seconds_text_keeps_a_scaled_budget_readable() -> None:
    assert [seconds_text(value) for value in (8.0, 0.1, 0.0021, 0.0)] == ["8.00", "0.10", "0.0021", "0.00"]
    assert budget_for({"latency": {"p95": 2}}, "generations", "256x256", 0.001).percentiles == {95: 0.002}


def run(tmp_path: Path, base_url: str, skip: str) -> list[str]:
    (tmp_path / "repeated.yaml").write_text(REPEATED.format(skip=skip))
    collection = load_collection(tmp_path / "repeated.yaml")
    settings = RunSettings(target=base_url, live=True, latency_scale=0.0001, environ={"OPENAI_API_KEY": "ic-test-key"})
    with new_client() as client:
        result = run_request(settings, client, collection, collection.requests[0], CollectionState())
    assert len(result.exchanges) == 3 and result.error is None
    return [str(failure) for failure in result.failures]


def test_a_scaled_percentile_budget_prints_its_value(tmp_path: Path, sandbox_url: str) -> None:
    failures = run(tmp_path, sandbox_url, skip="")
    assert [failure.split(" ")[2] for failure in failures] == ["p50", "p95"]
    assert all(failure.startswith("[latency_budget] $: p") and failure.endswith(" s over 3 runs, budget 0.0001 s")
               for failure in failures), failures


def test_skip_checks_latency_budget_skips_the_percentiles_too(tmp_path: Path, sandbox_url: str) -> None:
    assert run(tmp_path, sandbox_url, skip="      skip_checks: [latency_budget]\n") == []
