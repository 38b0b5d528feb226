"""A run against misbehaving servers finishes in bounded time: each affected test fails with its cause,
the others pass, and the report and summary are still written with every test in them.

One live session of one collection whose requests go to several servers at once (`url: "{{server}}/..."`,
`--var server=...`): a healthy sandbox, sandboxes with faults, and raw-socket servers that cut the body.
"""

from __future__ import annotations

import json
import time
from typing import Callable

import pytest
from raw_http import RawServer, Script, cut_mid_body
from user_project import assert_clean_output, output_of

KEY = "ic-fault-survival-key-0123"
WALL_TIME_BOUND = 60.0
"""A guard against a hang, not a benchmark: the run takes a few seconds."""

REQUESTS = [
    # (request name, server variable, expected outcome, text its failure must show)
    ("healthy first", "ok", "passed", ""),
    ("every second fails, first", "every2nd", "passed", ""),
    ("every second fails, second", "every2nd", "failed", "[status_code] $: expected 200, got 500"),
    ("hangs", "hang", "failed", "timed out waiting for the response"),
    ("truncated by the sandbox", "truncate", "failed", "the connection closed before the whole response arrived (truncated body)"),
    ("html error page", "html", "failed", "[response_schema] $: expected a JSON body, got text/html"),
    ("wrong size", "wrongsize", "failed", "[image_decodes] $.data[0].b64_json: expected 256x256, got 128x128"),
    ("closed mid-body", "closed", "failed", "the connection closed before the whole response arrived (truncated body)"),
    ("reset mid-body", "reset", "failed", "the connection failed while reading the response"),
    ("healthy last", "ok", "passed", ""),
]

SANDBOX_FAULTS = {"ok": [], "every2nd": ["error-500=2"], "hang": ["hang=1"], "truncate": ["truncate-body"],
                  "html": ["html-error"], "wrongsize": ["wrong-size"]}
RAW_SCRIPTS: dict[str, Script] = {"closed": cut_mid_body(reset=False), "reset": cut_mid_body(reset=True)}


def collection_text() -> str:
    lines = ["name: Faults", "requests:"]
    for name, server, _, _ in REQUESTS:
        lines += [f"  - name: {name}", f"    url: '{{{{{server}}}}}/images/generations'", "    timeout: 0.5",
                  "    json: {model: dall-e-2, prompt: a cat, size: 256x256, response_format: b64_json}"]
    return "\n".join(lines) + "\n"


def failure_section(lines: list[str], name: str) -> str:
    start = next(index for index, line in enumerate(lines) if line.startswith("_") and f" Faults: {name} " in line)
    end = next((index for index in range(start + 1, len(lines)) if lines[index].startswith(("_", "="))), len(lines))
    return "\n".join(lines[start:end])


def test_a_run_against_faults_finishes_with_each_cause_and_a_report(
    make_project: Callable[..., pytest.Pytester], sandbox, raw_server: Callable[[Script], RawServer],
) -> None:
    project = make_project(key=KEY)
    (project.path / "collections" / "demo.yaml").write_text(collection_text())
    urls = {name: sandbox(api_key=KEY, faults=faults).base_url for name, faults in SANDBOX_FAULTS.items()}
    urls |= {name: raw_server(script).url for name, script in RAW_SCRIPTS.items()}
    variables = [arg for name, url in urls.items() for arg in ("--var", f"{name}={url}")]

    started = time.monotonic()
    result = project.runpytest("collections", "--live", "--target", urls["ok"], *variables,
                               "-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    elapsed = time.monotonic() - started

    assert elapsed < WALL_TIME_BOUND
    lines = output_of(result)
    assert_clean_output(lines)
    outcomes = {name: outcome for name, _, outcome, _ in REQUESTS}
    result.assert_outcomes(passed=list(outcomes.values()).count("passed"), failed=list(outcomes.values()).count("failed"))
    for name, server, outcome, cause in REQUESTS:
        if outcome == "failed":
            assert cause in failure_section(lines, name), f"{name}: {cause!r} not in\n{failure_section(lines, name)}"
    summary = json.loads((project.path / "reports" / "summary.json").read_text())
    assert {test["nodeid"].split("::")[-1]: test["outcome"] for test in summary["tests"]} == outcomes
    report = (project.path / "reports" / "report.html").read_text()
    assert all(name in report for name in outcomes)
