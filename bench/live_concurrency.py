"""Benchmark (b): the whole shipped suite live against the sandbox, sequential vs pytest-xdist vs `--concurrency`
(threads in one process), against its lower bound.

The sandbox follows the seed latency profile times `--latency-scale`; with `--rate-limit R` it allows
R images in any 60 s of its own clock, which runs `--speed` times real time, so its window is
W = 60 / speed real seconds. The suite's budget gets the same R over W + `--margin` seconds
(`IMAGECONTRACT_BUDGET_WINDOW`): the margin covers the time between a worker taking its images
from the shared budget and the request reaching the sandbox. Every run starts a fresh sandbox.

Lower bound of the wall time, from the sequential run without a rate limit (a calibration run):

    LB = max(C, (ceil(I / R) - 1) * W + L_min)          (without a rate limit: LB = C)

- C: the longest path of requests that must run one after another, each request's latency summed
  along `save:`/`{saved: ...}` dependencies (a request alone is a path of one, so C >= the slowest request);
- I: the images the sandbox generated (`images_generated`); R, W: the sandbox's limit and window.
  Any window of W seconds holds at most R images, so the request carrying the I-th image cannot be
  sent before (ceil(I / R) - 1) * W, and it still takes at least L_min, the fastest latency of any
  request that generates images, to answer.

LB leaves out process start-up, collection and the report, which the wall time (process spawn to exit)
includes; `span` is the sandbox's side of the run, from the first request it received to the last image
it delivered, so `span ratio` = span / LB is what the engine's scheduling costs. Numbers vary with load:
the sandbox, pytest and its workers share the machine.

    .venv/bin/python bench/live_concurrency.py [--latency-scale 0.05] [--rate-limit 5] [--speed 12] [--workers 2,4] [--threads 8]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from _common import KEY, REPO, PytestRun, fast_clock, read_summary, run_pytest, table

from imagecontract.collection.loader import load_collection
from imagecontract.collection.model import RequestSpec
from imagecontract.image_budget.budget import WINDOW_ENV
from imagecontract.rules import RATE_LIMIT_WINDOW_SECONDS
from imagecontract.sandbox import RunningSandbox, running_sandbox
from imagecontract.sandbox.stats import Stats


@dataclass(frozen=True)
class Setting:
    """One row: how many xdist workers (0: no xdist) or in-process threads (`--concurrency`), and whether the rate limit is on."""

    workers: int
    limited: bool
    threads: int = 0

    @property
    def name(self) -> str:
        way = f"-n {self.workers}" if self.workers else f"--concurrency {self.threads}" if self.threads else "sequential"
        return way + (" + rate limit" if self.limited else "")


@dataclass(frozen=True)
class Calibration:
    """What the lower bound needs, measured on a sequential run without a rate limit."""

    images: int
    longest_path: float
    fastest_image_request: float


class TimedStats(Stats):
    """The sandbox's counters, plus when the first request came and the last image went out."""

    first_request: float | None = None
    last_image: float | None = None

    def request(self, endpoint: str | None) -> None:
        self.first_request = self.first_request or time.perf_counter()
        super().request(endpoint)

    def images(self, endpoint: str, count: int) -> None:
        self.last_image = time.perf_counter()
        super().images(endpoint, count)

    @property
    def span(self) -> float:
        return (self.last_image or 0.0) - (self.first_request or 0.0)


def suite_args(options: argparse.Namespace, setting: Setting, report: Path) -> list[str]:
    """The live suite's arguments for one setting, the target aside."""
    args = ["collections", "-q", "--live", "--latency-scale", str(options.latency_scale * options.budget_headroom),
            "--report", str(report)]
    if setting.workers:
        args += ["-n", str(setting.workers), "--dist", options.dist]
    if setting.threads:
        args += ["--concurrency", str(setting.threads)]
    if setting.limited:
        args += ["--rate-limit", str(options.rate_limit)]
    return args


def suite_env(options: argparse.Namespace) -> dict[str, str]:
    """The key, and the budget's window: the sandbox's plus the margin."""
    return {"OPENAI_API_KEY": KEY, WINDOW_ENV: str(window(options) + options.margin)}


@contextmanager
def timed_sandbox(options: argparse.Namespace, limited: bool) -> Iterator[RunningSandbox]:
    """A fresh sandbox on the fast clock, counting with TimedStats (see `counters`)."""
    rate = options.rate_limit if limited else None
    with running_sandbox(api_key=KEY, latency_scale=options.latency_scale, rate_limit=rate,
                         clock=fast_clock(options.speed)) as server:
        server.state.stats = TimedStats()
        yield server


def counters(server: RunningSandbox) -> dict[str, Any]:
    """The counters of a sandbox from `timed_sandbox`, with its `span`."""
    stats = server.state.stats
    assert isinstance(stats, TimedStats)
    return {**server.stats(), "span": stats.span}


def suite_run(options: argparse.Namespace, setting: Setting, reports: Path) -> tuple[PytestRun, dict[str, Any]]:
    """The shipped suite live against a fresh sandbox; the run and the sandbox's counters (with `span`)."""
    with timed_sandbox(options, setting.limited) as server:
        args = [*suite_args(options, setting, reports / "report.html"), "--target", server.base_url]
        run = run_pytest(args, env=suite_env(options)).require(failures_allowed=True)
        return run, counters(server)


def window(options: argparse.Namespace) -> float:
    return RATE_LIMIT_WINDOW_SECONDS / options.speed


def calibrate(summary: Mapping[str, Any], images: int) -> Calibration:
    """C and L_min from the calibration run's per-request latencies (see the module docstring)."""
    latency = {(test["file"], test["request"]): max(test["latency"] or [0.0]) for test in summary["tests"]}
    longest = 0.0
    for path in sorted({file for file, _ in latency}):
        collection = load_collection(REPO / path)

        def through(spec: RequestSpec) -> float:
            producers = [collection.producer_of(name) for name in spec.saved_uploads]
            return latency.get((path, spec.name), 0.0) + max((through(p) for p in producers if p), default=0.0)

        longest = max([longest, *(through(spec) for spec in collection.requests)])
    fastest = min(max(test["latency"]) for test in summary["tests"] if (test["exchange"] or {}).get("images"))
    return Calibration(images=images, longest_path=longest, fastest_image_request=fastest)


def lower_bound(options: argparse.Namespace, calibration: Calibration, limited: bool) -> float:
    if not limited:
        return calibration.longest_path
    forced = (math.ceil(calibration.images / options.rate_limit) - 1) * window(options) + calibration.fastest_image_request
    return max(calibration.longest_path, forced)


def add_run_options(parser: argparse.ArgumentParser, latency_scale: float = 0.05, rate_limit: int = 5) -> None:
    """The sandbox's and the suite's settings, shared with bench/shards.py."""
    parser.add_argument("--latency-scale", type=float, default=latency_scale,
                        help="sandbox latency: the seed profile times this")
    parser.add_argument("--rate-limit", type=int, default=rate_limit, help="images per (sandbox) minute")
    parser.add_argument("--speed", type=float, default=12.0, help="sandbox clock speed: its 60 s window lasts 60/speed s")
    parser.add_argument("--margin", type=float, default=0.2, help="seconds added to the suite's budget window")
    parser.add_argument("--dist", default="load", help="xdist --dist mode (load, loadfile, ...)")
    parser.add_argument("--budget-headroom", type=float, default=20.0,
                        help="the suite's --latency-scale is the sandbox's times this: CPU contention is not what is measured")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_run_options(parser)
    parser.add_argument("--workers", default="2,4", help="xdist worker counts to try, comma-separated (empty: none)")
    parser.add_argument("--threads", default="8", help="--concurrency values to try, comma-separated (empty: none)")
    parser.add_argument("--rate-only", action="store_true",
                        help="after the sequential calibration run, only the runs with the rate limit")
    options = parser.parse_args()
    workers = [int(n) for n in options.workers.split(",") if n]
    threads = [int(n) for n in options.threads.split(",") if n]
    concurrent = [Setting(n, False) for n in workers] + [Setting(0, False, n) for n in threads]
    settings = [Setting(0, False), *([] if options.rate_only else concurrent),
                Setting(0, True), *(Setting(s.workers, True, s.threads) for s in concurrent)]
    rows, calibration = [], None
    with tempfile.TemporaryDirectory() as temp:
        for setting in settings:
            reports = Path(temp) / setting.name.replace(" ", "_")
            run, stats = suite_run(options, setting, reports)
            if calibration is None:
                calibration = calibrate(read_summary(reports / "report.html"), stats["images_generated"])
            bound = lower_bound(options, calibration, setting.limited)
            rows.append([setting.name, f"{run.wall:.1f}", f"{stats['span']:.1f}", f"{bound:.1f}", f"{run.wall / bound:.2f}",
                         f"{stats['span'] / bound:.2f}", stats["images_generated"], stats["rate_limited"],
                         run.outcomes.get("passed", 0), run.outcomes.get("failed", 0)])
            print(f"{setting.name}: {run.wall:.1f} s", flush=True)
    assert calibration is not None
    print(f"\nlatency scale {options.latency_scale}, rate {options.rate_limit} images per {window(options):g} s "
          f"(budget window +{options.margin:g} s), xdist --dist {options.dist}; I = {calibration.images} images, "
          f"C = {calibration.longest_path:.2f} s, L_min = {calibration.fastest_image_request:.2f} s\n")
    print(table(["run", "wall s", "span s", "lower bound s", "wall ratio", "span ratio", "images_generated",
                 "rate_limited", "passed", "failed"], rows))


if __name__ == "__main__":
    main()
