"""Benchmark (c): what the HTML report costs for a run returning 100 images, in time and in bytes.

A generated collection of 10 dall-e-2 requests x n=10 (b64_json, 1024x1024) runs live against a sandbox
answering at once (latency 0), once with the report and once with `--no-report`, per round; the time the
report adds is the difference of the two wall times, and of the two pytest processes' CPU times (medians over
the rounds; CPU time is the steadier figure on a shared machine), and the sizes are those of `report.html`
and `summary.json`.

    .venv/bin/python bench/report_size.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from _common import KEY, image_project, run_pytest, table

from imagecontract.sandbox import running_sandbox

REQUESTS, PER_REQUEST = 10, 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    walls: dict[str, list[float]] = {"report": [], "no report": []}
    cpus: dict[str, list[float]] = {"report": [], "no report": []}
    with tempfile.TemporaryDirectory() as temp, running_sandbox(api_key=KEY, latency_scale=0.0) as server:
        project = image_project(Path(temp), REQUESTS, PER_REQUEST)
        report = project / "reports" / "report.html"
        common = ["collections", "-q", "--live", "--target", server.base_url]
        for _ in range(rounds):
            for name, extra in (("report", ["--report", str(report)]), ("no report", ["--no-report"])):
                run = run_pytest([*common, *extra], env={"OPENAI_API_KEY": KEY}, cwd=project).require(passed=REQUESTS)
                walls[name].append(run.wall)
                cpus[name].append(run.cpu)
        html, summary = report.stat().st_size, (report.parent / "summary.json").stat().st_size
        images = server.stats()["images_generated"] // rounds // 2
    with_report, without = statistics.median(walls["report"]), statistics.median(walls["no report"])
    cpu_with, cpu_without = statistics.median(cpus["report"]), statistics.median(cpus["no report"])
    print(f"{REQUESTS} requests x n={PER_REQUEST} dall-e-2 1024x1024 b64_json = {images} images, live, sandbox latency 0; "
          f"median of {rounds} rounds\n")
    print(table(["measure", "value"], [
        ["wall with the report", f"{with_report:.2f} s"],
        ["wall with --no-report", f"{without:.2f} s"],
        ["time the report adds", f"{with_report - without:.2f} s"],
        ["CPU with the report / with --no-report", f"{cpu_with:.2f} s / {cpu_without:.2f} s"],
        ["CPU time the report adds", f"{cpu_with - cpu_without:.2f} s"],
        ["report.html", f"{html / 1e6:.2f} MB"],
        ["summary.json", f"{summary / 1e3:.1f} kB"],
    ]))


if __name__ == "__main__":
    main()
