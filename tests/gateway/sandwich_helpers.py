"""Running the shipped suite through the test gateway in sandwich mode, and reading what failed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
GATEWAY_KEY = "ic-gw-Vq7Rk2Xm9Tb4Lz6Pw8Hn3Dc5"
UPSTREAM_KEY = "ic-us-J4fT9wQz2Lk7Rb5Xn8Mv3Ys6Hd1G"
"""Random-looking, as real keys are: any 8 characters of a key in a row count as a leak and are redacted, so a key
spelling words ("-upstream-") would redact those words from every report ("called the [redacted] 2 times")."""

RATE_LIMITED = """\
name: Rate limited
requests:
  - name: over the limit
    path: /images/generations
    json: {model: dall-e-2, prompt: a cat, size: 256x256}
    expect: {status: 429}
"""
"""A request that expects the upstream's 429 (the sandbox's limit is spent first), so the client takes it as is."""


def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """The shipped collections and schemas, the gateway's key as the client's, the upstream key in its variable."""
    for name in ("collections", "schemas"):
        shutil.copytree(REPO / name, pytester.path / name)
    (pytester.path / "collections" / "rate_limited.yaml").write_text(RATE_LIMITED)
    monkeypatch.setenv("OPENAI_API_KEY", GATEWAY_KEY)
    monkeypatch.setenv("IMAGECONTRACT_UPSTREAM_KEY", UPSTREAM_KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    return pytester


def name_target(pytester: pytest.Pytester, name: str, base_url: str, allow: list[str]) -> None:
    """Add a target to the project's targets file with the sandwich-mode allowances `allow`."""
    targets = pytester.path / "collections" / "targets.yaml"
    entry = f"\n- name: {name}\n  base_url: {base_url}\n  api_key_env: OPENAI_API_KEY\n  gateway:\n    allow: {json.dumps(allow)}\n"
    targets.write_text(targets.read_text() + entry)


def run_through(pytester: pytest.Pytester, target: str, upstream: str, *args: str) -> tuple[Any, list[dict[str, Any]]]:
    """Run the suite live through `target` with `upstream`'s journal; the pytest result and summary.json's tests.

    The overhead budget is generous unless `args` name one: on a loaded machine the test gateway's own time is
    the machine's, and the budget's judgement is tested by the `overhead` fault, which adds a fixed delay."""
    result = pytester.runpytest("--overhead-budget", "30", *args, "--target", target, "--live", "--upstream", upstream,
                                "-p", "no:cacheprovider", "-p", "no:xdist")
    summary = json.loads((pytester.path / "reports" / "summary.json").read_text())
    return result, summary["tests"]


def failing_checks(tests: list[dict[str, Any]]) -> set[str]:
    return {failure["check"] for test in tests for failure in test["failures"]}


def errors(tests: list[dict[str, Any]]) -> list[str]:
    return [f"{test['nodeid']}: {test['error']}" for test in tests if test.get("error")]
