"""Selecting one request of a chain of saved values (`-k`/`-m` leaving its producer out) runs the producer first,
once, live and in replay; a producer that fails skips its consumers with the reason."""

from __future__ import annotations

from typing import Callable

import pytest

VALUE_CHAIN = """\
name: Values
requests:
  - name: first
    path: /images/generations
    json: {model: dall-e-2, prompt: a cat, size: 256x256, response_format: b64_json}
    save:
      made_at: created
  - name: second
    path: /images/generations
    json: {model: dall-e-2, prompt: "a cat made at {{made_at}}", size: 256x256, response_format: b64_json}
    save:
      remade_at: created
  - name: third
    path: /images/generations
    json: {model: dall-e-2, prompt: "a cat remade at {{remade_at}}", size: 256x256, response_format: b64_json}
"""
"""Three requests, each needing the value the one before it saved (not an image)."""


@pytest.fixture
def project(make_project: Callable[..., pytest.Pytester]) -> pytest.Pytester:
    project = make_project()
    (project.path / "collections" / "demo.yaml").unlink()
    (project.path / "collections" / "values.yaml").write_text(VALUE_CHAIN)
    return project


def test_live_selecting_the_last_request_runs_its_producers_once(project: pytest.Pytester, sandbox) -> None:
    server = sandbox()

    result = project.runpytest("collections", "--target", server.base_url, "--live", "-k", "third", "--no-report")

    result.assert_outcomes(passed=1, deselected=2)
    assert server.stats()["requests"] == 3


def test_replay_selecting_the_last_request_reads_its_producers_from_their_cassettes(project: pytest.Pytester, sandbox) -> None:
    server = sandbox()
    project.runpytest("collections", "--target", server.base_url, "--record-mode", "once",
                      "--no-report").assert_outcomes(passed=3)
    recorded = server.stats()["requests"]

    result = project.runpytest("collections", "--target", server.base_url, "-k", "third", "--no-report")

    result.assert_outcomes(passed=1, deselected=2)
    assert server.stats()["requests"] == recorded, "replay must not open a connection"


def test_a_failed_value_producer_skips_its_consumer_with_the_reason(project: pytest.Pytester, sandbox) -> None:
    server = sandbox(faults=["html-error"])

    result = project.runpytest("collections", "--target", server.base_url, "--live", "-k", "third", "-rs", "--no-report")

    result.assert_outcomes(skipped=1, deselected=2)
    result.stdout.fnmatch_lines(["*needs the value 'remade_at' saved by 'second', which did not pass*"])
