"""Benchmark (f): imagecontract against a raw httpx loop, Newman and Tavern, on the same requests and server.

Every tool sends the six Postman-mirror requests at 256x256 to one canned server (`canned_server.py`, answering
at once with fixed valid bodies, `TCP_NODELAY`), first one pass (6 requests), then PASSES passes, each in a fresh
process, the tools interleaved in a rotating order over ROUNDS rounds. Per tool and round:

- marginal ms/request = (time of the PASSES-pass process - time of the 1-pass process) / (6 * (PASSES - 1));
- start-up = from spawning the 1-pass process to its first request reaching the server;
- marginal CPU ms/request: the same difference of the processes' CPU time (user + system, `wait4`), which a busy
  shared machine disturbs far less than wall time;
- peak RSS = `ru_maxrss` of the PASSES-pass process (its children included: Tavern's pytest, Newman's node).

Medians and ranges over the rounds are printed as a Markdown table, with ratios to the raw loop (the floor).
imagecontract runs as a user runs it (`imagecontract run`, every check and the HTML report); "replay" reads
cassettes recorded from the same server first; "plain" is a venv without the dev extra. Tools that cannot be
installed are skipped with the reason.

    .venv/bin/python bench/head_to_head.py [--rounds 5] [--passes 10] [--only raw,live,replay,newman,tavern,plain]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import KEY, REPO, SEED_ERA, scratch_folder, table  # noqa: E402
from _contenders import (  # noqa: E402
    NEWMAN, PLAIN_VENV, TAVERN_VENV, install_newman, install_plain, install_tavern, newman_collection, sent_requests,
    tavern_file, write_answers, write_json, write_project,
)

REQUESTS_PER_PASS = 6


@dataclass
class Sample:
    wall: float
    startup: float | None
    rss_mb: float
    cpu: float


@dataclass
class Contender:
    """A tool: the command for a run of 1 pass and of PASSES passes, and what it measured."""

    name: str
    commands: dict[int, tuple[list[str], Path]]
    environ: dict[str, str] = field(default_factory=dict)
    samples: dict[int, list[Sample]] = field(default_factory=lambda: {})


@contextmanager
def canned_server(answers: Path) -> Iterator[str]:
    """The canned server in its own process; yields its origin."""
    process = subprocess.Popen([sys.executable, str(REPO / "bench" / "canned_server.py"), "--answers", str(answers)],
                               stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("listening"):
            raise SystemExit("the canned server did not start")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


def measure(origin: str, command: list[str], cwd: Path, environ: dict[str, str]) -> Sample:
    """Run one process to its end: wall time, time to its first request, peak RSS."""
    _get(f"{origin}/_bench/reset")
    with tempfile.TemporaryFile("w+") as output:
        spawned = time.time()
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=environ, stdout=output, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read()
        if process.returncode != 0 or " skipped" in text.strip().rsplit("\n", 1)[-1]:
            raise SystemExit(f"{' '.join(command[:4])} ... failed or skipped:\n{text[-3000:]}")
    first = _get(f"{origin}/_bench/first")["first"]
    return Sample(wall, None if first is None else first - spawned, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


def contenders(origin: str, work: Path, passes: int, wanted: set[str]) -> tuple[list[Contender], list[str]]:
    """Every tool's inputs for 1 and PASSES passes; the tools skipped, with why."""
    base_url = f"{origin}/v1"
    base_env = {name: value for name, value in os.environ.items() if name not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    base_env.pop("PYTHONDONTWRITEBYTECODE", None)
    environ = {**base_env, "OPENAI_API_KEY": KEY}
    projects = {count: write_project(work / f"ic-{count}", count) for count in (1, passes)}
    cassettes = work / "cassettes"
    found: list[Contender] = []
    skipped: list[str] = []

    def ic(python: Path, count: int, *args: str) -> tuple[list[str], Path]:
        return ([str(python), "-m", "imagecontract.cli.main", "run", "collections/bench.yaml", "-q", "-p", "no:cacheprovider",
                 "--as-of", SEED_ERA, *args], projects[count].parents[1])

    live = ("--live", "--target", base_url)
    if "raw" in wanted:
        requests = write_json(work / "requests.json", sent_requests(projects[1], base_url))
        found.append(Contender("raw httpx loop (floor)", {
            count: ([sys.executable, str(REPO / "bench" / "raw_loop.py"), str(requests), str(count)], work)
            for count in (1, passes)}, environ))
    if "live" in wanted:
        found.append(Contender("imagecontract live", {count: ic(Path(sys.executable), count, *live) for count in (1, passes)},
                               environ))
    if "replay" in wanted:
        measure(origin, *ic(Path(sys.executable), passes, "--record-mode", "once", "--target", base_url, "--cassette-dir",
                            str(cassettes)), environ)
        found.append(Contender("imagecontract replay", {
            count: ic(Path(sys.executable), count, "--cassette-dir", str(cassettes)) for count in (1, passes)}, base_env))
    if "plain" in wanted:
        why = install_plain()
        if why:
            skipped.append(f"imagecontract live, plain install: {why}")
        else:
            found.append(Contender("imagecontract live, plain install", {
                count: ic(PLAIN_VENV / "bin" / "python", count, *live) for count in (1, passes)}, environ))
    if "newman" in wanted:
        why = install_newman()
        if why:
            skipped.append(f"Newman: {why}")
        else:
            exports = {count: newman_collection(projects[count], work / f"newman-{count}", base_url) for count in (1, passes)}
            found.append(Contender("Newman", {
                count: (["node", str(NEWMAN), "run", str(exports[count]), "--env-var", f"OPENAI_API_KEY={KEY}",
                         "--working-dir", str(exports[count].parent), "--reporters", "cli"], exports[count].parent)
                for count in (1, passes)}, environ))
    if "tavern" in wanted:
        why = install_tavern()
        if why:
            skipped.append(f"Tavern: {why}")
        else:
            tests = {}
            for count in (1, passes):
                (work / f"tavern-{count}").mkdir(exist_ok=True)
                tests[count] = tavern_file(sent_requests(projects[count], base_url), work / f"tavern-{count}")
            found.append(Contender("Tavern", {
                count: ([str(TAVERN_VENV / "bin" / "python"), "-m", "pytest", tests[count].name, "-q", "-p", "no:cacheprovider"],
                        tests[count].parent) for count in (1, passes)}, environ))
    return found, skipped


def _spread(values: list[float], scale: float = 1.0, digits: int = 1) -> str:
    return f"{statistics.median(values) * scale:.{digits}f} [{min(values) * scale:.{digits}f}-{max(values) * scale:.{digits}f}]"


def report(tools: list[Contender], passes: int) -> str:
    def marginals(tool: Contender, measure: Callable[[Sample], float]) -> list[float]:
        return [(measure(many) - measure(one)) / (REQUESTS_PER_PASS * (passes - 1))
                for one, many in zip(tool.samples[1], tool.samples[passes])]

    def wall(sample: Sample) -> float:
        return sample.wall

    def cpu(sample: Sample) -> float:
        return sample.cpu

    floor = tools[0]
    floor_marginal = statistics.median(marginals(floor, wall))
    floor_cpu = statistics.median(marginals(floor, cpu))
    floor_startup = statistics.median(sample.startup or 0 for sample in floor.samples[1])
    floor_rss = statistics.median(sample.rss_mb for sample in floor.samples[passes])
    rows = []
    for tool in tools:
        marginal, marginal_cpu = marginals(tool, wall), marginals(tool, cpu)
        startups = [sample.startup for sample in tool.samples[1] if sample.startup is not None]
        rss = [sample.rss_mb for sample in tool.samples[passes]]
        rows.append([
            tool.name, _spread(marginal, 1000), f"{statistics.median(marginal) / floor_marginal:.2f}x",
            _spread(marginal_cpu, 1000), f"{statistics.median(marginal_cpu) / floor_cpu:.2f}x",
            *([_spread(startups, 1, 2), f"{statistics.median(startups) / floor_startup:.1f}x"] if startups
              else ["n/a (no request reaches the server)", ""]),
            _spread([sample.wall for sample in tool.samples[1]], 1, 2), _spread([sample.cpu for sample in tool.samples[1]], 1, 2),
            f"{statistics.median(rss):.0f}", f"{statistics.median(rss) / floor_rss:.1f}x",
        ])
    return table(["tool", "marginal ms/request (wall)", "x floor", "marginal CPU ms/request", "x floor",
                  "start-up to 1st request, s", "x floor", "1-pass process, s", "1-pass CPU, s", f"peak RSS MB ({passes} passes)", "x floor"],
                 rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--passes", type=int, default=10)
    parser.add_argument("--only", default="raw,live,replay,newman,tavern,plain")
    options = parser.parse_args()
    wanted = set(options.only.split(",")) | {"raw"}
    with scratch_folder("h2h-") as scratch, \
            canned_server(write_answers(Path(scratch) / "answers")) as origin:
        tools, skipped = contenders(origin, Path(scratch), options.passes, wanted)
        for tool in tools:
            for count, (command, cwd) in tool.commands.items():
                measure(origin, command, cwd, tool.environ)
        started = time.time()
        for round_ in range(options.rounds):
            order = tools[round_ % len(tools):] + tools[:round_ % len(tools)]
            for tool in order:
                for count in random.sample(list(tool.commands), len(tool.commands)):
                    command, cwd = tool.commands[count]
                    tool.samples.setdefault(count, []).append(measure(origin, command, cwd, tool.environ))
            print(f"round {round_ + 1}/{options.rounds} done ({time.time() - started:.0f} s; load {os.getloadavg()[0]:.1f})",
                  file=sys.stderr)
    print(report(tools, options.passes))
    for reason in skipped:
        print(f"skipped: {reason}")
    print(f"{options.rounds} rounds, {options.passes} passes of {REQUESTS_PER_PASS} requests; "
          f"load average {os.getloadavg()[0]:.1f} at the end; {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
