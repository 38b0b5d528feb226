"""The caches under `.imagecontract/`: a hit marks its entry used, and a run prunes what nobody used for long."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from imagecontract.cassettes.parsed import cache_parsed_under, parsed
from imagecontract.local_cache import MAX_AGE_DAYS, prune

DAY = 86400.0


def aged(path: Path, days: float) -> Path:
    """`path` written, last used `days` ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text("{}")
    then = time.time() - days * DAY
    os.utime(path, (then, then))
    return path


def test_entries_unused_for_the_age_limit_are_removed_and_recent_ones_kept(tmp_path: Path) -> None:
    stale = aged(tmp_path / "a.json", MAX_AGE_DAYS + 1)
    recent = aged(tmp_path / "b.json", MAX_AGE_DAYS - 1)

    assert prune(tmp_path) == 1
    assert not stale.exists() and recent.exists()


def test_a_folder_over_its_size_keeps_the_most_recently_used(tmp_path: Path) -> None:
    for index in range(5):
        aged(tmp_path / f"{index}.json", days=index)

    assert prune(tmp_path, max_entries=2) == 3
    assert sorted(path.name for path in tmp_path.iterdir()) == ["0.json", "1.json"]


def test_a_missing_folder_is_no_error(tmp_path: Path) -> None:
    assert prune(tmp_path / "never-made") == 0


def test_a_hit_marks_the_entry_used(tmp_path: Path) -> None:
    cache_parsed_under(tmp_path)
    try:
        assert parsed("a: 1", lambda text: {"a": 1}) == {"a": 1}
        (entry,) = tmp_path.iterdir()
        aged(entry, MAX_AGE_DAYS + 1)
        assert parsed("a: 1", lambda text: pytest.fail("a cached text is not parsed again")) == {"a": 1}
    finally:
        cache_parsed_under(None)

    assert prune(tmp_path) == 0 and entry.exists()


def test_a_run_prunes_stale_entries_and_keeps_those_it_used(make_project, sandbox) -> None:
    project = make_project()
    server = sandbox()
    project.runpytest("collections", "--target", server.base_url, "--record-mode", "once").assert_outcomes(passed=2)
    project.runpytest("collections", "--target", server.base_url).assert_outcomes(passed=2)
    cache = project.path / ".imagecontract"
    used_by_the_suite = [path for folder in ("parsed", "valid") for path in sorted((cache / folder).iterdir())]
    assert {path.parent.name for path in used_by_the_suite} == {"parsed", "valid"}
    for path in used_by_the_suite:
        aged(path, MAX_AGE_DAYS + 5)
    left_behind = [aged(cache / folder / f"{'0' * 64}.json", MAX_AGE_DAYS + 5) for folder in ("parsed", "valid", "uploads")]

    project.runpytest("collections", "--target", server.base_url).assert_outcomes(passed=2)

    assert not any(path.exists() for path in left_behind)
    assert all(path.exists() for path in used_by_the_suite)
