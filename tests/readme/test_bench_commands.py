"""The benchmark commands README.md shows for speed, run from a copy of the project as a fresh clone has it (no
`.cache/`), at their smallest size: the sizes the README gives take many minutes, and their figures are the
benchmarks' business, not a test's. What is checked is that each command runs to its table.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"

SMALLEST = {
    "bench/head_to_head.py": (["--rounds", "1", "--passes", "2", "--only", "raw,live,replay"],
                              ["raw httpx loop (floor)", "imagecontract live", "imagecontract replay"]),
    "bench/layers.py": (["--rounds", "1", "--passes", "2"],
                        ["raw httpx loop (floor)", "every check, HTML report", "status_code only, --no-report"]),
}
"""Each script: the arguments that make it smallest (the tools that install from a registry left out), and rows its
table must show."""


def test_the_readme_shows_these_benchmark_commands() -> None:
    shown = set(re.findall(r"`\.venv/bin/python (bench/\w+\.py)[^`]*`", README.read_text(encoding="utf-8")))
    assert set(SMALLEST) <= shown, f"README.md no longer shows {sorted(set(SMALLEST) - shown)}"


@pytest.mark.parametrize("script", sorted(SMALLEST))
def test_a_benchmark_runs_to_its_table_in_a_fresh_clone(script: str, tmp_path: Path) -> None:
    for folder in ("bench", "collections"):
        shutil.copytree(REPO / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    arguments, rows = SMALLEST[script]

    done = subprocess.run([sys.executable, script, *arguments], cwd=tmp_path, capture_output=True, text=True, timeout=600)

    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    assert all(row in done.stdout for row in rows), out[-4000:]
    assert not (tmp_path / ".cache").exists() or not any((tmp_path / ".cache").iterdir()), "scratch left behind"
