"""The `imagecontract` command: subcommands wire to their modules; errors are one line, exit 2."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from imagecontract.cli.main import SUBCOMMANDS, build_parser, main
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


def test_run_imports_no_sandbox_nor_vcrpy_and_loads_the_plugin_without_assertion_rewriting() -> None:
    """In a fresh interpreter, as a user runs it: collect the shipped collections through `imagecontract run`."""
    probe = (
        "import sys\n"
        "from imagecontract.cli.main import main\n"
        "code = main(['run', '--collect-only', '-q', '-p', 'no:cacheprovider'])\n"
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
