"""The `imagecontract` command: subcommands wire to their modules; errors are one line, exit 2."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from imagecontract.cli.main import SUBCOMMANDS, build_parser, main

REPO = Path(__file__).resolve().parents[2]


def _project(root: Path) -> Path:
    """A user project: one collection, and unit tests of its own that `imagecontract run` must leave alone."""
    (root / "collections").mkdir()
    shutil.copy(REPO / "collections" / "legacy" / "postman_mirror.yaml", root / "collections")
    (root / "tests").mkdir()
    (root / "tests" / "test_unit.py").write_text("def test_unit():\n    pass\n")
    (root / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    return root


def _collect(root: Path, *args: str) -> str:
    command = [sys.executable, "-m", "imagecontract.cli.main", "run", "--collect-only", "-q", "-p", "no:cacheprovider", *args]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300)
    return done.stdout + done.stderr


def test_run_defaults_to_the_collections_directory_even_when_an_option_value_exists(tmp_path: Path) -> None:
    project = _project(tmp_path)
    for _ in range(2):
        out = _collect(project, "--report", "reports/report.html")
        assert "6 tests collected" in out and "test_unit" not in out, out
    assert (project / "reports" / "report.html").is_file()
    out = _collect(project, "--no-report", "-k", "tests")
    assert "test_unit" not in out and "no tests collected (6 deselected)" in out, out


def test_run_keeps_the_test_paths_it_is_given(tmp_path: Path) -> None:
    out = _collect(_project(tmp_path), "tests/test_unit.py", "--no-report")
    assert "1 test collected" in out and "postman_mirror" not in out, out


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
    from imagecontract.cli.run import collection_profiles

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


def test_run_imports_no_sandbox_nor_vcrpy_and_loads_the_plugin_without_assertion_rewriting() -> None:
    """In a fresh interpreter, as a user runs it: collect the shipped collections through `imagecontract run`."""
    probe = (
        "import sys\n"
        "from imagecontract.cli.main import main\n"
        "code = main(['run', '--collect-only', '-q', '-p', 'no:cacheprovider', '--no-report'])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn', 'hypothesis', 'vcr')"
        " or m.startswith(('imagecontract.sandbox.app', 'imagecontract.sandbox.server', 'imagecontract.postman')))\n"
        "loaders = {type(m.__loader__).__name__ for n, m in list(sys.modules.items()) if n.startswith('imagecontract.')"
        " and getattr(m, '__file__', None)}\n"
        "print('RESULT', code, heavy, sorted(loaders))\n"
    )
    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", probe], cwd=repo, capture_output=True, text=True, timeout=300)
    result = next(line for line in done.stdout.splitlines() if line.startswith("RESULT"))
    assert result == "RESULT 0 [] ['SourceFileLoader']", done.stdout[-2000:] + done.stderr[-2000:]


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    return set(next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction)).choices)


def test_each_command_registers_only_its_module_and_help_lists_them_all() -> None:
    assert _commands(build_parser()) == set(SUBCOMMANDS)
    for name, module in SUBCOMMANDS.items():
        assert _commands(build_parser(name)) == {other for other, home in SUBCOMMANDS.items() if home == module}
