"""The floor pytest itself puts under any one-test-per-request design: the marginal CPU of an item that does nothing.

Runs `imagecontract run` (so the same plugins load: pytest-html and the run's report, xdist, pytest-recording,
pytest-metadata, imagecontract's hooks) over N empty tests, for N = 6 and N = 606, each in a fresh process, ROUNDS
times; marginal CPU ms/item = (CPU of 606 - CPU of 6) / 600 (many items, so process noise divides away). Also once
with `--no-report` (pytest and its plugins without the HTML report) and once under plain
`pytest -p no:html -p no:xdist -p no:recording -p no:metadata` (bare pytest), to show what each layer adds.

Each is measured for two kinds of item: test functions (what earlier figures measured; every autouse fixture of
every plugin runs for each, pytest-recording's two included) and plain `pytest.Item`s with no fixtures, the kind a
collection request is (`imagecontract.pytest.items`), which is the floor this design puts under a request.

    .venv/bin/python bench/pytest_floor.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import scratch_folder, table  # noqa: E402

SMALL, LARGE = 6, 606

VARIANTS = {
    "imagecontract run (its plugins and the HTML report)": ["-m", "imagecontract.cli.main", "run"],
    "imagecontract run --no-report": ["-m", "imagecontract.cli.main", "run", "--no-report"],
    "bare pytest (no html, xdist, recording, metadata)": [
        "-m", "pytest", "-p", "no:html", "-p", "no:xdist", "-p", "no:recording", "-p", "no:metadata",
        "-p", "no:imagecontract", "-p", "no:hypothesispytest"],
}


ITEM_CONFTEST = """import pytest


class Null(pytest.Item):
    def runtest(self):
        pass

    def reportinfo(self):
        return self.path, 0, self.name


class NullFile(pytest.File):
    def collect(self):
        for index in range(int(self.path.read_text())):
            yield Null.from_parent(self, name=f"r{index}")


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".null":
        return NullFile.from_parent(parent, path=file_path)
"""
"""Items of the kind a collection request is: a `pytest.Item` with its own `runtest`, no fixtures."""

KINDS = {"test functions": "test_null.py", "collection-style items": "items.null"}


def project(directory: Path, items: int) -> Path:
    """A rootdir with `items` empty test functions (`test_null.py`) and `items` empty plain items (`items.null`)."""
    directory.mkdir(parents=True)
    (directory / "pytest.ini").write_text("[pytest]\n")
    (directory / "test_null.py").write_text("".join(f"def test_{index}():\n    pass\n\n\n" for index in range(items)))
    (directory / "conftest.py").write_text(ITEM_CONFTEST)
    (directory / "items.null").write_text(str(items))
    return directory


def cpu_seconds(command: list[str], cwd: Path) -> float:
    environ = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    process = subprocess.Popen(command, cwd=cwd, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or "passed" not in output:
        raise SystemExit(f"{' '.join(command)} failed:\n{output[-2000:]}")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    rows = []
    with scratch_folder("floor-") as scratch:
        projects = {count: project(Path(scratch) / f"p{count}", count) for count in (SMALL, LARGE)}
        for kind, test_file in KINDS.items():
            for name, args in VARIANTS.items():
                marginal, small = [], []
                for _ in range(options.rounds):
                    command = [sys.executable, *args, test_file, "-q", "-p", "no:cacheprovider"]
                    few, many = (cpu_seconds(command, projects[count]) for count in (SMALL, LARGE))
                    marginal.append((many - few) / (LARGE - SMALL) * 1000)
                    small.append(few)
                rows.append([kind, name, f"{statistics.median(marginal):.2f} [{min(marginal):.2f}-{max(marginal):.2f}]",
                             f"{statistics.median(small):.2f}"])
    print(table(["items", "run", "marginal CPU ms/item", f"CPU s of {SMALL} items"], rows))
    print(f"{options.rounds} rounds; load average {os.getloadavg()[0]:.1f} at the end; {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
