"""The `imagecontract` command: subcommands wire to their modules; errors are one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from imagecontract.cli.main import main
from imagecontract.cli.run import pytest_args


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
