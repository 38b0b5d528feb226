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


def test_live_suite_against_the_sandbox_is_green(suite: pytest.Pytester, sandbox) -> None:
    server = sandbox(api_key=KEY)
    result = suite.runpytest("collections", "--target", server.base_url, "--live", "-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes.get("error", 0) == 0, result.stdout.str()[-4000:]
    assert outcomes["passed"] >= 56


FAULTS = [
    ("error-500=1", "generations.yaml", "dall-e-2 url 256x256", ["[status_code]", "500"]),
    ("html-error", "generations.yaml", "dall-e-2 url 256x256", ["[response_schema]", "not JSON", "text/html"]),
    ("truncate-body", "generations.yaml", "dall-e-2 b64_json 1024x1024", ["truncated body"]),
    ("wrong-size", "generations.yaml", "dall-e-3 url 1024x1024", ["[image_decodes]", "1024x1024"]),
    ("drop-field=revised_prompt", "generations.yaml", "dall-e-3 url 1024x1024", ["[revised_prompt]"]),
    ("drop-field=created", "variations.yaml", "dall-e-2 url 256x256", ["[response_schema]", "created"]),
    ("hang=1", "variations.yaml", "dall-e-2 url 256x256", ["[latency_budget]", "budget"]),
    ("stream-as-json", "streaming.yaml", "gpt-image-1 generation with 2 partial images",
     ["[stream_events]", "expected text/event-stream for stream: true, got application/json"]),
]


@pytest.mark.parametrize(("fault", "collection", "request_name", "expected"), FAULTS, ids=[fault for fault, *_ in FAULTS])
def test_each_fault_fails_the_affected_test_with_its_cause(
    suite: pytest.Pytester, sandbox, fault: str, collection: str, request_name: str, expected: list[str]
) -> None:
    server = sandbox(api_key=KEY, faults=[fault])
    node = f"collections/contract/{collection}::{request_name}"
    result = suite.runpytest(node, "--target", server.base_url, "--live", "--latency-scale", "0.1", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    for text in expected:
        assert text in output, f"{fault}: {text!r} not in failure output:\n{output[-3000:]}"
    assert "Traceback" not in output
