"""Benchmark (d): peak memory of a run whose every response carries ten 1024x1024 images.

A generated collection of `--requests` gpt-image-1.5 generations of n=10 (b64_json) 1024x1024 images is
recorded from a sandbox answering at once, then run four ways: live and replayed from the cassettes,
each with the report and with `--no-report`. Peak memory is the pytest process's peak resident set
size, `ru_maxrss` from `os.wait4` on that process (one process, no xdist), so interpreter and imports
are included: the first row of a bare `pytest --version` shows that floor.

    .venv/bin/python bench/peak_memory.py [--requests 3]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _common import KEY, image_project, run_pytest, table

from imagecontract.sandbox import running_sandbox

PER_REQUEST = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3)
    requests = parser.parse_args().requests
    rows = [["interpreter and imports (`pytest --version`)", f"{run_pytest(['--version']).peak_rss_mb:.0f}", ""]]
    with tempfile.TemporaryDirectory() as temp, running_sandbox(api_key=KEY, latency_scale=0.0) as server:
        project = image_project(Path(temp), requests, PER_REQUEST)
        env = {"OPENAI_API_KEY": KEY}
        target = ["--target", server.base_url]
        run_pytest(["collections", "-q", "--record-mode", "once", "--no-report", *target], env=env, cwd=project).require(passed=requests)
        report = ["--report", str(project / "reports" / "report.html")]
        for name, args in (("live, report", ["--live", *target, *report]), ("live, --no-report", ["--live", *target, "--no-report"]),
                           ("replay, report", report), ("replay, --no-report", ["--no-report"])):
            run = run_pytest(["collections", "-q", *args], env=env, cwd=project).require(passed=requests)
            rows.append([name, f"{run.peak_rss_mb:.0f}", f"{run.wall:.1f}"])
    print(f"{requests} requests x n={PER_REQUEST} gpt-image-1.5 1024x1024 b64_json ({requests * PER_REQUEST} images); "
          f"peak RSS of the pytest process (wait4 ru_maxrss)\n")
    print(table(["run", "peak RSS MB", "wall s"], rows))


if __name__ == "__main__":
    main()
