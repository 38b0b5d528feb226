"""The compatibility matrix from summaries: verdicts, reasons, reference differences, and its three renderings."""

from __future__ import annotations

import json

import pytest

from imagecontract.report.matrix import build_matrix, cell_of, column_names, to_html, to_json, to_markdown


def record(nodeid: str, outcome: str, **extra: object) -> dict:
    return {"nodeid": nodeid, "endpoint": "generations", "model": "dall-e-2", "request": nodeid.split("::")[1],
            "outcome": outcome, **extra}


PASS = record("c.yaml::url", "passed")
FAIL = record("c.yaml::url", "failed", failures=[{"check": "response_format", "path": "$.data[0].url", "reason": "expected url"}])
UNSUPPORTED = record("c.yaml::url", "skipped", message="declared unsupported by gw: no url mode")


def test_cells_say_why() -> None:
    assert cell_of(PASS).verdict == "pass"
    assert cell_of(FAIL).reason == "[response_format] $.data[0].url: expected url"
    assert cell_of(UNSUPPORTED).verdict == "unsupported"
    assert cell_of(record("c.yaml::x", "failed", error="connection refused")).reason == "connection refused"


def test_matrix_marks_differences_from_the_reference() -> None:
    matrix = build_matrix({"ref": {"tests": [PASS]}, "gw": {"tests": [FAIL]}, "az": {"tests": [UNSUPPORTED]}}, "ref")
    (row,) = matrix.rows
    assert matrix.differences(row) == ["gw", "az"] and not matrix.all_pass
    data = json.loads(to_json(matrix))
    cell = data["rows"][0]["cells"]["gw"]
    assert (cell["verdict"], cell["reason"]) == ("fail", "[response_format] $.data[0].url: expected url")
    markdown = to_markdown(matrix)
    assert "| generations | dall-e-2 | url | pass | FAIL ([response_format] $.data[0].url: expected url) | unsupported" in markdown
    page = to_html(matrix, {"gw": "gw/report.html"})
    assert 'title="[response_format] $.data[0].url: expected url"' in page and 'href="gw/report.html"' in page


def test_a_target_missing_a_test_shows_it() -> None:
    matrix = build_matrix({"a": {"tests": [PASS]}, "b": {"tests": []}})
    assert matrix.cell(matrix.rows[0], "b").verdict == "missing"


def test_column_names_and_reference_validation() -> None:
    assert column_names(["sandbox", "gw=http://127.0.0.1:1/v1", "http://127.0.0.1:2/v1"]) == ["sandbox", "gw", "127.0.0.1:2"]
    with pytest.raises(ValueError, match="share a column name"):
        column_names(["http://127.0.0.1:1/v1", "http://127.0.0.1:1/v2"])
    with pytest.raises(ValueError, match="--reference 'x' is not one of the targets"):
        build_matrix({"a": {"tests": []}}, "x")


def test_the_page_filters_to_differing_rows_and_shows_progress_while_targets_run() -> None:
    same, other = record("a.yaml::same", "passed"), record("a.yaml::other", "passed")
    matrix = build_matrix({"ref": {"tests": [same, other]}, "gw": {"tests": [same, FAIL]}})
    assert [matrix.varies(row) for row in matrix.rows] == [False, True, True]
    page = to_html(matrix)
    assert page.count('<tr class="same">') == 1 and page.count('<tr class="differs">') == 2
    assert "show only the 2 rows whose targets differ" in page and "refresh" not in page
    running = build_matrix({"ref": {"tests": [same]}}, "ref", running=["gw"])
    assert running.targets == ["ref", "gw"] and running.cell(running.rows[0], "gw").verdict == "running"
    assert not running.varies(running.rows[0])
    page = to_html(running)
    assert 'http-equiv="refresh"' in page and "running: 1 of 2 targets finished; waiting for gw" in page
