"""Benchmark (h): what each layer of an imagecontract request costs, on the head-to-head's requests and server.

`imagecontract run --live` over the six Postman-mirror requests at 256x256 against `canned_server.py`, as in
`head_to_head.py` (1 pass and PASSES passes, fresh processes, interleaved over ROUNDS rounds), four ways:
every check and the HTML report (what a user runs); `--no-report`; every request narrowed to the `status_code`
check (`expect.checks`); and both. The raw httpx loop is the floor. The differences tell what the report and the
checks cost per request, and what is left for pytest and the engine (sending, cassettes, budget, deadline).

    .venv/bin/python bench/layers.py [--rounds 7] [--passes 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import KEY, REPO, SEED_ERA, scratch_folder, table  # noqa: E402
from _contenders import sent_requests, write_answers, write_json, write_project  # noqa: E402
from head_to_head import REQUESTS_PER_PASS, canned_server, measure  # noqa: E402


def status_only(directory: Path, passes: int) -> Path:
    """The benchmark project with every request narrowed to the `status_code` check."""
    path = write_project(directory, passes)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for request in document["requests"]:
        request.setdefault("expect", {})["checks"] = ["status_code"]
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--passes", type=int, default=20)
    options = parser.parse_args()
    environ = {name: value for name, value in os.environ.items() if name not in ("OPENAI_BASE_URL", "PYTHONDONTWRITEBYTECODE")}
    environ["OPENAI_API_KEY"] = KEY
    with scratch_folder("layers-") as scratch, \
            canned_server(write_answers(Path(scratch) / "answers")) as origin:
        work = Path(scratch)
        base_url = f"{origin}/v1"
        projects = {(checks, count): (write_project if checks == "all" else status_only)(work / f"{checks}-{count}", count)
                    for checks in ("all", "status") for count in (1, options.passes)}
        raw = write_json(work / "requests.json", sent_requests(projects[("all", 1)], base_url))

        def ic(checks: str, count: int, *extra: str) -> tuple[list[str], Path]:
            return ([sys.executable, "-m", "imagecontract.cli.main", "run", "collections/bench.yaml", "-q", "-p",
                     "no:cacheprovider", "--as-of", SEED_ERA, "--live", "--target", base_url, *extra],
                    projects[(checks, count)].parents[1])

        variants = {
            "raw httpx loop (floor)": lambda count: ([sys.executable, str(REPO / "bench" / "raw_loop.py"), str(raw), str(count)], work),
            "every check, HTML report": lambda count: ic("all", count),
            "every check, --no-report": lambda count: ic("all", count, "--no-report"),
            "status_code only, HTML report": lambda count: ic("status", count),
            "status_code only, --no-report": lambda count: ic("status", count, "--no-report"),
        }
        cpu: dict[str, list[float]] = {name: [] for name in variants}
        for round_ in range(options.rounds + 1):
            for name, command in variants.items():
                one, many = (measure(origin, *command(count), environ).cpu for count in (1, options.passes))
                if round_:  # the first round only warms the caches
                    cpu[name].append((many - one) / (REQUESTS_PER_PASS * (options.passes - 1)) * 1000)
    floor = statistics.median(cpu["raw httpx loop (floor)"])
    print(table(["run", "marginal CPU ms/request", "x floor"],
                [[name, f"{statistics.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]",
                  f"{statistics.median(values) / floor:.2f}x"] for name, values in cpu.items()]))
    print(f"{options.rounds} rounds, {options.passes} passes of {REQUESTS_PER_PASS} requests; "
          f"load average {os.getloadavg()[0]:.1f} at the end; {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
