"""`imagecontract merge` on real shards: the report, summary, JUnit XML and matrix an unsharded run writes."""

from __future__ import annotations

import html
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from test_merge_summaries import without_timings

from imagecontract.cli.main import main
from imagecontract.report.matrix import build_matrix, to_json
from imagecontract.report.pictures import ImageStore
from imagecontract.report.render import render_test_section


def blob(path: Path) -> dict[str, Any]:
    """pytest-html's data: every row of the results table."""
    found = re.search(r'data-jsonblob="([^"]*)"', path.read_text())
    assert found, f"{path} is no pytest-html report"
    return json.loads(html.unescape(found.group(1)))


def junit_cases(path: Path) -> list[tuple[Any, ...]]:
    """What JUnit XML says per test, clock readings aside."""
    return [
        (case.get("classname"), case.get("name"), [(child.tag, child.get("message"), child.text) for child in case])
        for case in ET.parse(path).getroot().iter("testcase")
    ]


ROW_FACTS = ("result", "testId", "endpoint", "model", "log")
"""pytest-html's row fields that are no clock reading."""


@pytest.fixture(scope="module")
def merged(runs: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("merged")
    assert main(["merge", str(runs.root / "shard3"), str(runs.root / "shard1"), str(runs.root / "shard2" / "summary.json"),
                 "-o", str(out)]) == 0
    return out


def test_merged_summary_is_the_unsharded_one(runs: Any, merged: Path) -> None:
    assert without_timings(json.loads((merged / "summary.json").read_text())) == without_timings(runs.summary("full"))


def test_merged_junit_has_every_test_once_with_its_failure_text(runs: Any, merged: Path) -> None:
    cases = junit_cases(merged / "junit.xml")
    assert cases == junit_cases(runs.root / "full" / "junit.xml")
    assert len({(classname, name) for classname, name, _ in cases}) == 135
    failure = next(children for _, name, children in cases if name == "Image generations [URL]")
    assert failure[0][0] == "failure" and "request changed since recording: JSON body: $.n 1 recorded, 2 now" in failure[0][2]
    skip = next(children for classname, name, children in cases
                if (classname, name) == ("collections.legacy.variations.yaml", "dall-e-2 url 256x256"))
    assert skip[0][:2] == ("skipped", "declared unsupported by gw: no variations route")


def test_merged_report_shows_every_test_with_its_images(runs: Any, merged: Path) -> None:
    mine, theirs = blob(merged / "report.html")["tests"], blob(runs.root / "full" / "report.html")["tests"]
    summary = json.loads((merged / "summary.json").read_text())
    images = ImageStore.from_json(summary["images"])
    assert list(mine) == list(theirs) and len(mine) == 135
    for record in summary["tests"]:
        [row], [original] = mine[record["nodeid"]], theirs[record["nodeid"]]
        assert {key: row[key] for key in ROW_FACTS} == {key: original[key] for key in ROW_FACTS}, record["nodeid"]
        assert row["extras"][0]["content"] == render_test_section(record, images)
    page = (merged / "report.html").read_text()
    table = json.loads(re.search(r'<script type="application/json" id="ic-images">(.*?)</script>', page).group(1))
    assert set(table) == set(summary["images"]) and len(table) > 20
    referenced = set(re.findall(r'data-ic=\\?"([0-9a-f]+)', html.unescape(html.unescape(page))))
    assert referenced and referenced <= set(table)
    assert "118 passed, 4 failed, 13 skipped, 0 error" in html.unescape(page)


def test_duplicated_and_missing_tests_exit_1_and_are_named(runs: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = tmp_path / "tests.txt"
    expected.write_text("\n".join(record["nodeid"] for record in runs.summary("full")["tests"]))
    shard1, shard2 = runs.root / "shard1", runs.root / "shard2"
    assert main(["merge", str(shard1), str(shard2), str(shard2), "-o", str(tmp_path / "out"), "--expect-tests", str(expected)]) == 1
    err = capsys.readouterr().err
    assert (f"duplicated across shards: collections/contract/chain.yaml::generate in {shard2 / 'summary.json'} "
            f"and {shard2 / 'summary.json'}") in err
    assert "missing: collections/legacy/postman_mirror.yaml::Create image variation [IMG] (expected, but in no shard)" in err
    written = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert written["run"]["counts"]["total"] == 25 + 2 * 34, "duplicates are kept, not dropped"
    assert len(junit_cases(tmp_path / "out" / "junit.xml")) == 25 + 2 * 34


@pytest.mark.parametrize(("make", "expected"), [
    (lambda root: root.joinpath("summary.json").write_text("{oops"), "summary.json: not JSON"),
    (lambda root: root.joinpath("summary.json").write_text('{"format": "imagecontract-summary/1"}'),
     "summary.json: format 'imagecontract-summary/1', expected 'imagecontract-summary/2'; re-run that shard"),
    (lambda root: root.joinpath("empty").mkdir(), "empty: no summary.json in it nor in its subdirectories"),
])
def test_bad_input_exits_2_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Any, expected: str) -> None:
    make(tmp_path)
    given = tmp_path / ("empty" if "empty" in expected else "summary.json")
    assert main(["merge", str(given), "-o", str(tmp_path / "out")]) == 2
    assert f"imagecontract: error: {tmp_path / expected}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_matrix_shards_merge_into_the_unsharded_matrix(runs: Any, tmp_path: Path) -> None:
    layout = {"m1": {"gw": "shard1", "openai": "openai1"}, "m2": {"gw": "shard2", "openai": "openai2"}, "m3": {"gw": "shard3"}}
    for directory, targets in layout.items():
        for target, run in targets.items():
            (tmp_path / directory / target).mkdir(parents=True)
            shutil.copy(runs.root / run / "summary.json", tmp_path / directory / target / "summary.json")
    (tmp_path / "m1" / "matrix.json").write_text(json.dumps({"targets": ["openai", "gw"], "reference": "openai"}))
    out = tmp_path / "out"
    assert main(["merge", *(str(tmp_path / name) for name in layout), "-o", str(out)]) == 0
    unsharded = build_matrix({"openai": runs.summary("openai-full"), "gw": runs.summary("full")}, "openai")
    assert json.loads((out / "matrix.json").read_text()) == json.loads(to_json(unsharded))
    for target, run in (("gw", "full"), ("openai", "openai-full")):
        assert without_timings(json.loads((out / target / "summary.json").read_text())) == without_timings(runs.summary(run))
        assert len(blob(out / target / "report.html")["tests"]) == runs.summary(run)["run"]["counts"]["total"]
    page = (out / "matrix.html").read_text()
    assert 'href="gw/report.html"' in page and "unsupported" in page and "FAIL" in (out / "matrix.md").read_text()
