"""Benchmark (e): the whole shipped suite live on 1, 2 and 3 shards sharing one rate limit through a real Redis.

For each shard count S, S processes (`--shard K/S`, the same `--budget-url` to one redis-server on
127.0.0.1, a fresh `--run-id` per S, the same `--rate-limit`) are spawned at once against a fresh
rate-limited sandbox on a fast clock, set up as bench/live_concurrency.py sets it up; the lower bound LB
is that script's, from its calibration run (sequential, no rate limit), which comes first.

**wall** runs from spawning the first shard to the last one exiting; **span** is the sandbox's, from the
first request it received to the last image it delivered. The shards shared the budget when the sandbox
answered no 429 (`rate_limited`, checked) and generated the calibration run's I images, no more.

The defaults keep the rate binding for every S: LB = 4 x 5 s + L_min (8 images per 5 s window, I = 40)
is longer than even one shard's sequential traffic (the calibration run's span, about 15 s at latency
scale 0.02), so more shards cannot shorten the span; what the rows compare is what sharing one budget costs.

    .venv/bin/python bench/shards.py [--shards 1,2,3] [-n N | --threads N] [--latency-scale 0.02] [--rate-limit 8] [--speed 12]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

from _common import PytestRun, read_summary, redis_server, run_pytests, table
from live_concurrency import (
    Setting, add_run_options, calibrate, counters, lower_bound, suite_args, suite_env, suite_run, timed_sandbox, window,
)


def sharded_run(
    options: argparse.Namespace, shards: int, budget_url: str, reports: Path
) -> tuple[list[PytestRun], dict[str, Any]]:
    """`shards` processes of the live suite, spawned at once against a fresh rate-limited sandbox; runs and counters."""
    setting = Setting(options.workers, limited=True, threads=options.threads)
    run_id = f"bench-shards-{shards}-{uuid.uuid4().hex[:8]}"
    with timed_sandbox(options, limited=True) as server:
        commands = [[*suite_args(options, setting, reports / f"shard-{index}" / "report.html"),
                     "--target", server.base_url, "--shard", f"{index}/{shards}",
                     "--budget-url", budget_url, "--run-id", run_id] for index in range(1, shards + 1)]
        runs = [run.require(failures_allowed=True) for run in run_pytests(commands, env=suite_env(options))]
        return runs, counters(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_run_options(parser, latency_scale=0.02, rate_limit=8)
    parser.add_argument("--shards", default="1,2,3", help="shard counts to run, comma-separated")
    parser.add_argument("-n", "--workers", type=int, default=0, help="xdist workers in each shard (default: no xdist)")
    parser.add_argument("--threads", type=int, default=0, help="--concurrency N in each shard (default: none)")
    options = parser.parse_args()
    rows, rate_limited = [], 0
    with tempfile.TemporaryDirectory() as temp, redis_server(Path(temp)) as budget_url:
        calibration_run, calibration_stats = suite_run(options, Setting(0, limited=False), Path(temp) / "calibration")
        calibration = calibrate(read_summary(Path(temp) / "calibration" / "report.html"),
                                calibration_stats["images_generated"])
        bound = lower_bound(options, calibration, limited=True)
        if bound <= calibration.longest_path:
            raise SystemExit(f"the bound {bound:.1f} s is the longest chain, not the rate: lower --rate-limit")
        print(f"calibration: {calibration_run.wall:.1f} s, span {calibration_stats['span']:.1f} s", flush=True)
        for shards in (int(count) for count in options.shards.split(",")):
            runs, stats = sharded_run(options, shards, budget_url, Path(temp) / f"shards-{shards}")
            wall = max(run.wall for run in runs)
            rate_limited += stats["rate_limited"]
            rows.append([shards, f"{wall:.1f}", " / ".join(f"{run.wall:.1f}" for run in runs), f"{stats['span']:.1f}",
                         f"{bound:.1f}", f"{wall / bound:.2f}", f"{stats['span'] / bound:.2f}", stats["images_generated"],
                         stats["rate_limited"], sum(run.outcomes.get("passed", 0) for run in runs),
                         sum(run.outcomes.get("failed", 0) for run in runs), f"{os.getloadavg()[0]:.1f}"])
            print(f"{shards} shard(s): {wall:.1f} s", flush=True)
    print(f"\nlatency scale {options.latency_scale}, rate {options.rate_limit} images per {window(options):g} s "
          f"(budget window +{options.margin:g} s), {f'-n {options.workers}' if options.workers else 'no xdist'}"
          f"{f', --concurrency {options.threads}' if options.threads else ''} per shard; "
          f"calibration span {calibration_stats['span']:.1f} s; I = {calibration.images} images, "
          f"C = {calibration.longest_path:.2f} s, L_min = {calibration.fastest_image_request:.2f} s\n")
    print(table(["shards", "wall s", "per shard s", "span s", "lower bound s", "wall ratio", "span ratio",
                 "images_generated", "rate_limited", "passed", "failed", "load 1 min"], rows))
    if rate_limited:
        raise SystemExit(f"\n{rate_limited} x 429: the shards together sent more than the shared rate allows")


if __name__ == "__main__":
    main()
