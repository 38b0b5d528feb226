"""The `imagecontract` command: subcommands wire to their modules; errors are one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from imagecontract.cli import main
from imagecontract.runner import pytest_args


def test_run_defaults_to_the_collections_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.yaml").write_text("")
    assert pytest_args(["--target", "http://127.0.0.1:1/v1", "-k", "edit"])[-5:] == [
        "collections", "--target", "http://127.0.0.1:1/v1", "-k", "edit",
    ]
    assert "collections" not in pytest_args(["mine.yaml::a request", "-q"])


def test_serve_lists_its_faults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--list-faults"]) == 0
    assert "truncate-body" in capsys.readouterr().out


def test_unknown_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"])
    assert exited.value.code == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_record_sandbox_groups_the_collections_by_their_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`record --sandbox` starts one sandbox per day: each collection's `as_of`, else today."""
    from datetime import date

    from imagecontract.rules import today
    from imagecontract.runner import collection_profiles

    monkeypatch.chdir(tmp_path)
    request = "requests:\n  - {name: a, path: /images/generations, json: {prompt: a}}\n"
    (tmp_path / "collections" / "old").mkdir(parents=True)
    (tmp_path / "collections" / "old" / "a.yaml").write_text(f"name: A\nas_of: 2025-06-01\n{request}")
    (tmp_path / "collections" / "new.yaml").write_text(f"name: New\n{request}")
    (tmp_path / "collections" / "targets.yaml").write_text("[]\n")
    assert collection_profiles([]) == {date(2025, 6, 1): ["collections/old/a.yaml"], today(): ["collections/new.yaml"]}
    assert collection_profiles(["collections/old/a.yaml::a", "-q"]) == {date(2025, 6, 1): ["collections/old/a.yaml::a"]}


def test_a_retired_name_the_table_lacks_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--still-serve", "dall-e-9"]) == 2
    assert capsys.readouterr().err.startswith("imagecontract: error: --still-serve 'dall-e-9': not a model or endpoint")
