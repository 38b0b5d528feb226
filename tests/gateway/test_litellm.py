"""A real open-source gateway in sandwich mode: LiteLLM's proxy in front of the sandbox, the contract suite through it.

What it flags is in README.md ("A real gateway: LiteLLM's proxy"); this test holds the run to the root causes
that matter to a platform engineer, so a change in LiteLLM or in the suite that hides one of them shows.
"""

from __future__ import annotations

import json

import pytest

from litellm_gateway import MASTER_KEY, running_litellm
from sandwich_helpers import UPSTREAM_KEY, project


def test_litellm_through_sandwich_mode_names_its_root_causes(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                                             sandbox) -> None:
    suite = project(pytester, monkeypatch)
    monkeypatch.setenv("OPENAI_API_KEY", MASTER_KEY)
    upstream = sandbox(api_key=UPSTREAM_KEY, as_of=None)
    with running_litellm(suite.path, upstream.base_url, UPSTREAM_KEY) as gateway:
        result = suite.runpytest("collections/contract", "--target", gateway, "--live", "--upstream", upstream.origin, "--as-of", "today",
                                 "-p", "no:cacheprovider", "-p", "no:xdist")
    output = result.stdout.str()
    tests = json.loads((suite.path / "reports" / "summary.json").read_text())["tests"]
    assert all(test["outcome"] in ("passed", "failed", "skipped") for test in tests) and len(tests) >= 50
    flagged = {failure["check"] for test in tests for failure in test["failures"] + test["advisories"]}
    assert {"no_upstream_leak", "response_unpadded", "errors_passed_through", "response_schema", "no_silent_retries",
            "request_forwarded", "response_passed_through"} <= flagged, output[-4000:]
    assert "header x-litellm-model-api-base carries the upstream's internal address 127.0.0.1:" in output
    assert "$.safety_identifier changed: the upstream sent 'imagecontract-" in output
    keyed = [test for test in tests for check in test["checks"] if check["name"] == "upstream_key_used" and check["applicable"]]
    assert keyed and "upstream_key_used" not in flagged  # LiteLLM keys the upstream with its own key
    assert "imagecontract gateway overhead" in output
    assert UPSTREAM_KEY not in output and MASTER_KEY not in output
