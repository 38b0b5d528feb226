"""Helpers shared by the bench scripts: a pytest subprocess with its wall time and peak RSS, a fast clock, tables."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

REPO = Path(__file__).resolve().parents[1]
KEY = "ic-bench-key-0123456789"
"""The key every live bench run sends; sandboxes are started with it so the auth error cases hold."""

_OUTCOME = re.compile(r"(\d+) (passed|failed|errors?|skipped)")


@dataclass
class PytestRun:
    """One finished pytest process."""

    wall: float
    """Seconds from spawning the process to its exit (interpreter start, collection and report included)."""
    peak_rss_mb: float
    """`ru_maxrss` from wait4: the largest resident set of the process or of any child it waited for (xdist workers)."""
    returncode: int
    output: str

    @property
    def outcomes(self) -> dict[str, int]:
        tail = self.output.strip().splitlines()[-1] if self.output.strip() else ""
        return {kind.rstrip("s") if kind.startswith("error") else kind: int(count) for count, kind in _OUTCOME.findall(tail)}

    def require(self, passed: int | None = None, failures_allowed: bool = False) -> PytestRun:
        """Stop the bench when the run broke (or, unless allowed, a test failed): its wall time would mean nothing."""
        outcomes = self.outcomes
        failed = outcomes.get("failed", 0) and not failures_allowed
        broken = failed or outcomes.get("error", 0) or (passed is not None and outcomes.get("passed") != passed)
        if self.returncode not in (0, 1) or (self.returncode == 1 and not failures_allowed) or broken:
            raise SystemExit(f"the benchmarked run did not pass ({outcomes or self.returncode}):\n{self.output[-3000:]}")
        return self


def run_pytest(args: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path = REPO) -> PytestRun:
    """`python -m pytest ARGS` in a fresh process; the output goes to a file so waiting never blocks on a pipe."""
    environ = {name: value for name, value in os.environ.items() if name not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    environ.update(env or {})
    with tempfile.TemporaryFile("w+") as output:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=cwd,
                                   env=environ, stdout=output, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read()
    return PytestRun(wall=wall, peak_rss_mb=usage.ru_maxrss / 1024, returncode=process.returncode, output=text)


def fast_clock(speed: float) -> Callable[[], float]:
    """Epoch seconds running `speed` times real time: a sandbox on it has a 60/speed-second rate window."""
    start = time.time()
    return lambda: start + (time.time() - start) * speed


def read_summary(report: Path) -> dict[str, Any]:
    """The `summary.json` written next to `report`."""
    return json.loads((report.parent / "summary.json").read_text())


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table, so a result can be pasted into bench/README.md as printed."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(header)), *(len(row[index]) for row in cells)) for index, header in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(value.ljust(width) for value, width in zip(values, widths)) + " |"

    return "\n".join([line(headers), line(["-" * width for width in widths]), *(line(row) for row in cells)])


def image_project(directory: Path, requests: int, n: int, size: str = "1024x1024") -> Path:
    """A project with one collection of `requests` dall-e-2 generations of `n` b64_json images each; returns its root."""
    collections = directory / "collections"
    collections.mkdir(parents=True, exist_ok=True)
    (collections / "many.yaml").write_text("name: Many images\nrequests:\n" + "".join(
        f"  - name: batch {index}\n    path: /images/generations\n"
        f"    json: {{model: dall-e-2, prompt: a lighthouse number {index}, n: {n}, size: {size}, response_format: b64_json}}\n"
        f"    expect:\n      images: {{count: {n}, size: {size}}}\n"
        for index in range(requests)
    ))
    return directory
