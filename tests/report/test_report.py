"""The HTML report and summary.json of real pytest sessions (pytester) against the sandbox."""

from __future__ import annotations

import html
import json
import re
import secrets
from pathlib import Path
from typing import Any

import pytest

from imagecontract.report.pictures import ImageStore
from imagecontract.report.render import render_test_section



def read_summary(root: Path) -> dict[str, Any]:
    return json.loads((root / "reports" / "summary.json").read_text())


def report_text(root: Path) -> str:
    return (root / "reports" / "report.html").read_text()


def blob(text: str) -> dict[str, Any]:
    """pytest-html's data blob: the results table, rendered by its JavaScript."""
    found = re.search(r'data-jsonblob="([^"]*)"', text)
    assert found, "no pytest-html data blob"
    return json.loads(html.unescape(found.group(1)))


def by_request(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {record["request"]: record for record in summary["tests"]}


@pytest.fixture
def live_run(project: pytest.Pytester, sandbox) -> pytest.Pytester:
    server = sandbox()
    result = project.runpytest("collections", "--target", server.base_url, "--live")
    result.assert_outcomes(passed=5, failed=1)
    return project


def test_suite_run_writes_one_self_contained_file(live_run: pytest.Pytester) -> None:
    text = report_text(live_run.path)
    page = html.unescape(html.unescape(text))
    external = [
        link for link in re.findall(r"""(?:src|href)\s*=\s*["']?((?:https?:)?//[^"'\s>]+)""", page)
        if link != "https://pypi.python.org/pypi/pytest-html"
    ]
    assert external == []
    assert "<link" not in text and not (live_run.path / "reports" / "assets").exists()
    table = json.loads(re.search(r'<script type="application/json" id="ic-images">(.*?)</script>', text).group(1))
    referenced = set(re.findall(r'data-ic=\\?"([0-9a-f]+)', page))
    assert referenced and referenced <= table.keys()
    for key in table:
        assert text.count(table[key][1]) == 1, "each thumbnail is embedded once"


def test_report_shows_images_uploads_partials_and_failed_checks(live_run: pytest.Pytester) -> None:
    summary = read_summary(live_run.path)
    records = by_request(summary)
    images = summary["images"]
    assert records["generate b64"]["exchange"]["images"][0]["image"] in images
    assert records["variation url"]["exchange"]["images"][0]["source"] == "url"
    assert records["variation url"]["exchange"]["images"][0]["image"] in images
    uploads = records["edit with mask"]["exchange"]["request"]["body"]["files"]
    assert [(part["field"], part["width"], part["height"]) for part in uploads] == [("image", 256, 256), ("mask", 256, 256)]
    assert all(part["image"] in images and part["description"].startswith("<png 256x256, ") for part in uploads)
    stream = records["stream partials"]["exchange"]
    assert [partial["index"] for partial in stream["partials"]] == [0, 1]
    assert all(partial["image"] in images for partial in stream["partials"])
    assert all(thumb["width"] <= 256 and thumb["height"] <= 256 for thumb in images.values())
    b64_body = records["generate b64"]["exchange"]["response"]["body"]["json"]
    assert re.fullmatch(r"<png 256x256, [\d.]+ (B|KB)>", b64_body["data"][0]["b64_json"])
    failed = records["wrong size expected"]
    assert failed["outcome"] == "failed"
    assert failed["failures"] == [{"check": "expected_images", "reason": 'expected size "512x512", got "256x256"',
                                   "path": "$.data[0].b64_json"}]
    section = blob(report_text(live_run.path))["tests"][failed["nodeid"]][0]["extras"][0]["content"]
    assert "Failed checks" in section and "expected_images" in section and "512x512" in section


def test_summary_json_has_run_facts_and_every_test(live_run: pytest.Pytester) -> None:
    summary = read_summary(live_run.path)
    run = summary["run"]
    assert summary["format"] == "imagecontract-summary/2"
    assert run["mode"] == "live" and run["target"].startswith("http://127.0.0.1:")
    assert run["counts"] == {"passed": 5, "failed": 1, "skipped": 0, "error": 0, "total": 6}
    assert {(row["endpoint"], row["model"], row["passed"], row["failed"]) for row in summary["endpoints"]} == {
        ("edits", "dall-e-2", 1, 0), ("generations", "dall-e-2", 2, 1), ("generations", "gpt-image-1", 1, 0),
        ("variations", "dall-e-2", 1, 0),
    }
    assert [row["endpoint"] for row in summary["latency"]] == ["edits", "generations", "variations"]
    record = by_request(summary)["missing prompt"]
    assert record["nodeid"] == "collections/demo.yaml::missing prompt"
    assert record["exchange"]["response"]["status"] == 400
    assert record["budget"]["max"] > 0 and len(record["latency"]) == 1
    assert {"name": "error_envelope", "applicable": True, "severity": "contract", "failures": []} in record["checks"]
    assert record["exchange"]["request"]["headers"]["Authorization"] == "[redacted]"


def test_sections_render_from_the_summary_alone(live_run: pytest.Pytester) -> None:
    """What a merge of shards needs: each test's HTML is a function of its record and the thumbnails."""
    summary = read_summary(live_run.path)
    images = ImageStore.from_json(summary["images"])
    tests = blob(report_text(live_run.path))["tests"]
    for record in summary["tests"]:
        assert tests[record["nodeid"]][0]["extras"][0]["content"] == render_test_section(record, images)


def test_no_report_and_report_path(project: pytest.Pytester, sandbox) -> None:
    server = sandbox()
    args = ["collections", "--target", server.base_url, "--live", "-k", "missing"]
    project.runpytest(*args, "--no-report").assert_outcomes(passed=1, deselected=5)
    assert not (project.path / "reports").exists()
    project.runpytest(*args, "--report", "out/run.html").assert_outcomes(passed=1, deselected=5)
    assert (project.path / "out" / "run.html").is_file()
    assert json.loads((project.path / "out" / "summary.json").read_text())["run"]["counts"]["total"] == 1
    assert not (project.path / "reports").exists()


def test_plain_test_runs_write_no_report(project: pytest.Pytester) -> None:
    project.makepyfile(test_plain="def test_one():\n    pass\n")
    project.runpytest("test_plain.py").assert_outcomes(passed=1)
    assert not (project.path / "reports").exists()


def test_no_secret_in_report_summary_or_junit(project: pytest.Pytester, sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    canary = "sk-canary-" + secrets.token_hex(24)
    monkeypatch.setenv("OPENAI_API_KEY", canary)
    server = sandbox(api_key="sk-the-right-key-" + secrets.token_hex(8), faults=["echo-key"])
    result = project.runpytest("collections", "--target", server.base_url, "--live",
                               "--junitxml", "junit.xml", "-k", "generate or missing")
    result.assert_outcomes(failed=2, deselected=4)
    written = {
        "report.html": report_text(project.path),
        "summary.json": (project.path / "reports" / "summary.json").read_text(),
        "junit.xml": (project.path / "junit.xml").read_text(),
    }
    assert "401" in written["junit.xml"] and "[redacted]" in written["summary.json"]
    for name, text in written.items():
        assert canary[:7] not in text, f"{name} carries the key or a prefix of it"
        assert canary[:7] not in html.unescape(text)
