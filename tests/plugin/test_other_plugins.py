"""Installed beside pytest-recording (the dev extra installs it), both plugins load and share `--record-mode`;
and a failing request's `path:line` points at its YAML line."""

from __future__ import annotations

import pytest

pytest.importorskip("pytest_recording", reason="pytest-recording is in the dev extra: pip install -e '.[dev]'")

RECORDING_TEST = """\
def test_pytest_recording_reads_the_shared_option(record_mode):
    assert record_mode == "{mode}"
"""


@pytest.mark.parametrize("order", [(), ("-p", "recording"), ("-p", "no:recording")],
                         ids=["entry-points", "recording-first", "recording-blocked"])
def test_record_then_replay_beside_pytest_recording(make_project, sandbox, order: tuple[str, ...]) -> None:
    project = make_project()
    server = sandbox()
    recorded = project.runpytest_subprocess(*order, "collections", "--target", server.base_url, "--record-mode", "once")
    recorded.assert_outcomes(passed=2)
    replayed = project.runpytest_subprocess(*order, "collections", "--target", server.base_url)
    replayed.assert_outcomes(passed=2)


def test_one_run_serves_both_plugins(make_project, sandbox) -> None:
    project = make_project()
    project.makepyfile(test_vcr=RECORDING_TEST.format(mode="once"))
    server = sandbox()
    result = project.runpytest_subprocess("collections", "test_vcr.py", "--target", server.base_url, "--record-mode", "once")
    result.assert_outcomes(passed=3)


def test_pytest_recordings_own_mode_is_refused_by_name(make_project) -> None:
    result = make_project().runpytest_subprocess("collections", "--record-mode", "rewrite")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--record-mode rewrite: imagecontract records with one of none, once, new_episodes, all*"])


def test_items_report_their_yaml_line(make_project) -> None:
    project = make_project(with_error=True)
    items, _ = project.inline_genitems("collections")
    lines = (project.path / "collections" / "demo.yaml").read_text().splitlines()
    assert [(item.location[0], lines[item.location[1]].strip()) for item in items] == [
        ("collections/demo.yaml", "- name: generate b64"),
        ("collections/demo.yaml", "- name: variation url"),
        ("collections/demo.yaml", "- name: missing prompt"),
    ]
