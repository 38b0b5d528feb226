"""The shipped collections, live against the sandbox: all green, and each fault caught with its cause."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


REPO = Path(__file__).resolve().parents[2]
KEY = "ic-live-suite-key-0123456789"


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ("collections", "schemas"):
        shutil.copytree(REPO / name, pytester.path / name)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    return pytester


LEGACY = 54
"""Requests in collections/legacy/ (the seed era's, the Postman mirror included)."""


def test_live_suite_against_todays_sandbox_is_green_with_retired_requests_skipped(suite: pytest.Pytester, sandbox) -> None:
    server = sandbox(api_key=KEY, as_of=None)
    result = suite.runpytest("collections", "--target", server.base_url, "--as-of", "today", "--live", "-rs",
                             "-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes.get("error", 0) == 0, result.stdout.str()[-4000:]
    # every legacy request but `unknown model` (dall-e-9 is unknown on either day) is skipped
    assert outcomes["passed"] >= 80 and outcomes["skipped"] == LEGACY - 1
    output = result.stdout.str()
    for reason in ("dall-e-2 retired on 2026-05-12; use gpt-image-1.5 or later",
                   "dall-e-3 retired on 2026-05-12; use gpt-image-1.5 or later",
                   "gpt-image-1 retired on 2026-10-23; use gpt-image-2.5-sunburst or gpt-image-2.5-flare",
                   "/v1/images/variations retired on 2026-05-12"):
        assert reason in output, reason
    assert server.stats()["by_endpoint"]["variations"]["requests"] == 1, "only the request expecting the retirement"


def test_legacy_collections_and_the_postman_mirror_are_green_against_the_seed_era(suite: pytest.Pytester, sandbox) -> None:
    server = sandbox(api_key=KEY)
    result = suite.runpytest("collections/legacy", "--target", server.base_url, "--as-of", "2025-06-01", "--live",
                             "-p", "no:cacheprovider")
    result.assert_outcomes(passed=LEGACY)


LEGACY_GENERATIONS = "legacy/generations.yaml"
FAULTS = [
    ("error-500=1", LEGACY_GENERATIONS, "dall-e-2 url 256x256", ["[status_code]", "500"]),
    ("html-error", LEGACY_GENERATIONS, "dall-e-2 url 256x256", ["[response_schema]", "not JSON", "text/html"]),
    ("truncate-body", LEGACY_GENERATIONS, "dall-e-2 b64_json 1024x1024", ["truncated body"]),
    ("wrong-size", LEGACY_GENERATIONS, "dall-e-3 url 1024x1024", ["[image_decodes]", "1024x1024"]),
    ("drop-field=revised_prompt", LEGACY_GENERATIONS, "dall-e-3 url 1024x1024", ["[revised_prompt]"]),
    ("drop-field=created", "legacy/variations.yaml", "dall-e-2 url 256x256", ["[response_schema]", "created"]),
    ("hang=1", "legacy/variations.yaml", "dall-e-2 url 256x256", ["[latency_budget]", "budget"]),
    ("stream-as-json", "contract/streaming.yaml", "gpt-image-1.5 generation with 2 partial images",
     ["[stream_events]", "expected text/event-stream for stream: true, got application/json"]),
    ("ignore-size", "contract/generations.yaml", "gpt-image-2 wide 1536x864",
     ["[image_decodes]", "expected 1536x864, got 1024x1024", "[reported_settings]", "expected size 1536x864"]),
    ("wrong-format", "contract/generations.yaml", "gif 4 frames of 120 ms", ["[image_decodes]", "expected a gif image, got png"]),
]


@pytest.mark.parametrize(("fault", "collection", "request_name", "expected"), FAULTS, ids=[fault for fault, *_ in FAULTS])
def test_each_fault_fails_the_affected_test_with_its_cause(
    suite: pytest.Pytester, sandbox, fault: str, collection: str, request_name: str, expected: list[str]
) -> None:
    today = collection.startswith("contract/")
    server = sandbox(api_key=KEY, faults=[fault], **({"as_of": None} if today else {}))
    node = f"collections/{collection}::{request_name}"
    result = suite.runpytest(node, "--target", server.base_url, "--live", "--latency-scale", "0.1", "-p", "no:cacheprovider",
                             *(["--as-of", "today"] if today else []))
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    for text in expected:
        assert text in output, f"{fault}: {text!r} not in failure output:\n{output[-3000:]}"
    assert "Traceback" not in output
