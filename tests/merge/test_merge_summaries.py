"""`merge.py` on real shards: the merged summary is the unsharded one; gaps, duplicates and bad inputs named."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from imagecontract.distributed.merge import MergeInputError, Shard, locate, merge_summaries, read_expected, read_shard

TIMINGS = frozenset({"duration", "latency", "started", "at"})
"""Keys whose values are clock readings: they differ between any two runs, sharded or not."""


def without_timings(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: without_timings(item) for key, item in value.items() if key not in TIMINGS}
    if isinstance(value, list):
        return [without_timings(item) for item in value]
    return value


def shards(runs: Any, *names: str) -> list[Shard]:
    return [read_shard(runs.root / name) for name in names]


def test_merged_summary_equals_the_unsharded_one_test_for_test(runs: Any) -> None:
    full = runs.summary("full")
    merged = merge_summaries(shards(runs, "shard3", "shard1", "shard2")).summary
    assert merged["run"]["counts"] == full["run"]["counts"] == {"passed": 118, "failed": 4, "skipped": 13, "error": 0,
                                                                "total": 135}
    assert [record["nodeid"] for record in merged["tests"]] == [record["nodeid"] for record in full["tests"]]
    for mine, theirs in zip(merged["tests"], full["tests"]):
        assert without_timings(mine) == without_timings(theirs), mine["nodeid"]
    assert without_timings(merged) == without_timings(full)
    assert merged["images"] == full["images"] and merged["endpoints"] == full["endpoints"]
    assert [row["count"] for row in merged["latency"]] == [row["count"] for row in full["latency"]]


def test_records_carry_what_junit_and_the_html_log_show(runs: Any) -> None:
    records = {record["nodeid"]: record for record in runs.summary("full")["tests"]}
    skipped = records["collections/legacy/variations.yaml::dall-e-2 url 256x256"]
    assert (skipped["when"], skipped["outcome"]) == ("setup", "skipped")
    assert skipped["longrepr"][2] == "Skipped: declared unsupported by gw: no variations route"
    failed = records["collections/legacy/postman_mirror.yaml::Image generations [URL]"]
    assert failed["outcome"] == "failed" and "request changed since recording" in failed["longrepr"]
    assert [record["index"] for record in runs.summary("full")["tests"]] == list(range(135))


def test_a_test_in_two_shards_is_kept_twice_and_named(runs: Any) -> None:
    merged = merge_summaries(shards(runs, "shard1", "shard2", "shard3", "shard1"))
    source = str(runs.root / "shard1" / "summary.json")
    assert merged.problems[0] == f"duplicated across shards: collections/contract/errors.yaml::no API key in {source} and {source}"
    assert len(merged.duplicated) == 25 and merged.missing == []
    assert merged.summary["run"]["counts"]["total"] == 135 + 25


def test_missing_tests_named_from_the_expected_list(runs: Any, tmp_path: Path) -> None:
    expected = tmp_path / "tests.txt"
    expected.write_text("\n".join(record["nodeid"] for record in runs.summary("full")["tests"]) + "\n\n135 tests collected in 1.0s\n")
    merged = merge_summaries(shards(runs, "shard1", "shard3"), read_expected(expected))
    assert merged.missing == [f"missing: {record['nodeid']} (expected, but in no shard)"
                              for record in runs.summary("shard2")["tests"]]
    assert merge_summaries(shards(runs, "shard1", "shard2", "shard3"), read_expected(expected)).problems == []


def test_a_test_a_shard_selected_but_never_finished_is_missing(runs: Any, tmp_path: Path) -> None:
    cut = copy.deepcopy(runs.summary("shard2"))
    lost = cut["tests"].pop()
    (tmp_path / "summary.json").write_text(json.dumps(cut))
    merged = merge_summaries([read_shard(tmp_path), *shards(runs, "shard1", "shard3")])
    assert merged.missing == [f"missing: {lost['nodeid']} (selected by {tmp_path / 'summary.json'} but not in its results)"]


def test_a_shard_absent_from_the_inputs_is_named_from_the_shard_plan(runs: Any, tmp_path: Path) -> None:
    """`--shard K/N` runs record every shard's node ids, so a whole lost shard is reported test by test."""
    plan = [[record["nodeid"] for record in runs.summary(name)["tests"]] for name in ("shard1", "shard2", "shard3")]
    present = []
    for number, name in ((1, "shard1"), (2, "shard2")):
        summary = runs.summary(name)
        summary["run"]["shard"] = {"index": number, "total": 3, "plan": plan}
        (tmp_path / name).mkdir()
        (tmp_path / name / "summary.json").write_text(json.dumps(summary))
        present.append(read_shard(tmp_path / name))
    merged = merge_summaries(present)
    assert merged.missing == [f"missing: {nodeid} (planned for shard 3/3, its summary is not among the inputs)"
                              for nodeid in plan[2]]


@pytest.mark.parametrize(("content", "expected"), [
    ("<html>not json", "not JSON"),
    ('{"format": "imagecontract-summary/1", "tests": []}', "format 'imagecontract-summary/1', expected 'imagecontract-summary/2'"),
    ('{"format": "imagecontract-summary/2", "tests": []}', "run, images, run.target, run.mode"),
])
def test_a_bad_input_names_the_file_and_the_fix(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "summary.json"
    path.write_text(content)
    with pytest.raises(MergeInputError) as raised:
        read_shard(path)
    assert str(raised.value).startswith(f"{path}: ") and expected in str(raised.value)


def test_a_directory_without_a_summary_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MergeInputError, match=r"no summary\.json in it nor in its subdirectories"):
        locate([tmp_path])


def test_shards_of_different_targets_are_not_one_run(runs: Any) -> None:
    with pytest.raises(MergeInputError, match=r"openai1/summary\.json: its target differs from .*shard1/summary\.json's: "
                                              r"'https://api\.openai\.com/v1' against 'https://gw\.example/v1'"):
        merge_summaries(shards(runs, "shard1", "openai1"))
