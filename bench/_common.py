"""Helpers shared by the bench scripts: pytest subprocesses (wall time, peak RSS), a fast clock, redis-server, tables."""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / ".cache"
"""The benchmarks' installs (Newman, Tavern, a plain venv) and scratch projects; git-ignored, absent in a fresh clone."""
KEY = "ic-bench-key-0123456789"
"""The key every live bench run sends; sandboxes are started with it so the auth error cases hold."""
SEED_ERA = "2025-06-01"
"""The day whose API the benchmarks' dall-e-2 requests are served on (`--as-of`, the sandbox's `as_of`): dall-e-2
was retired on 12 May 2026, so on a later day they are skipped, or answered 404."""


def scratch_folder(prefix: str) -> tempfile.TemporaryDirectory[str]:
    """A scratch folder under `.cache/` (made first: a fresh clone has none), removed when the benchmark ends."""
    CACHE.mkdir(exist_ok=True)
    return tempfile.TemporaryDirectory(prefix=prefix, dir=CACHE)


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
    cpu: float = 0.0
    """User + system CPU seconds of the process and the children it waited for: steadier than wall time when
    other work shares the machine."""

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
    """`python -m pytest ARGS` in a fresh process."""
    return run_pytests([args], env, cwd)[0]


def run_pytests(
    commands: Sequence[Sequence[str]], env: Mapping[str, str] | None = None, cwd: Path = REPO
) -> list[PytestRun]:
    """One `python -m pytest ARGS` process per command, all spawned at once, each waited for in its own thread.

    Every wall time counts from spawning the first process, so the largest is the wall time of them all.
    The output goes to files so waiting never blocks on a pipe.
    """
    environ = {name: value for name, value in os.environ.items() if name not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    environ.update(env or {})
    with ExitStack() as stack:
        outputs = [stack.enter_context(tempfile.TemporaryFile("w+")) for _ in commands]
        started = time.perf_counter()
        processes = [subprocess.Popen([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=cwd,
                                      env=environ, stdout=output, stderr=subprocess.STDOUT, text=True)
                     for args, output in zip(commands, outputs)]

        def wait(process: subprocess.Popen[str]) -> tuple[float, int, resource.struct_rusage]:
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            return time.perf_counter() - started, process.returncode, usage

        with ThreadPoolExecutor(len(processes)) as pool:
            ended = list(pool.map(wait, processes))
        runs = []
        for (wall, returncode, usage), output in zip(ended, outputs):
            output.seek(0)
            runs.append(PytestRun(wall, usage.ru_maxrss / 1024, returncode, output.read(), usage.ru_utime + usage.ru_stime))
    return runs


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


@contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """Debian's redis-server on a free 127.0.0.1 port, no persistence (as tests/services.py starts it); yields its URL."""
    program = shutil.which("redis-server")
    if program is None:
        raise SystemExit("needs Debian's redis-server (apt-get install redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    process = subprocess.Popen([program, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
                                "--dir", str(directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not _listening(port):
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"redis-server did not start on 127.0.0.1:{port}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


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
    """A project with one collection of `requests` gpt-image-1.5 generations of `n` (b64_json) images each; returns its root."""
    collections = directory / "collections"
    collections.mkdir(parents=True, exist_ok=True)
    (collections / "many.yaml").write_text("name: Many images\nrequests:\n" + "".join(
        f"  - name: batch {index}\n    path: /images/generations\n"
        f"    json: {{model: gpt-image-1.5, prompt: a lighthouse number {index}, n: {n}, size: {size}, quality: low}}\n"
        f"    expect:\n      images: {{count: {n}, size: {size}}}\n"
        for index in range(requests)
    ))
    return directory
