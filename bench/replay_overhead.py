"""Benchmark (a): the suite's replay time per request over a raw httpx loop to the sandbox.

Both sides send the same requests (every request of the shipped collections, built by
the engine): the raw loop through one httpx.Client to a sandbox answering at once
(latency 0), the suite by replaying the bundled cassettes with every check and the
report. The ratio says what the suite's own work costs per request.

    .venv/bin/python bench/replay_overhead.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from imagecontract.cli.run import SANDBOX_RECORDING_KEY
from imagecontract.collection.loader import load_collection
from imagecontract.run.engine import CollectionState, RunSettings, prepare
from imagecontract.run.http import new_client, send
from imagecontract.sandbox import running_sandbox

REPO = Path(__file__).resolve().parents[1]


def raw_loop(base_url: str) -> tuple[int, float]:
    """Send every request once, as the engine builds it, and time only the HTTP."""
    settings = RunSettings(target=base_url, live=True, environ={"OPENAI_API_KEY": SANDBOX_RECORDING_KEY})
    sent_requests = []
    for path in sorted((REPO / "collections").rglob("*.yaml")):
        if path.name == "targets.yaml":
            continue
        collection = load_collection(path)
        state = CollectionState(images={name: b"" for spec in collection.requests for name in spec.save})
        for spec in collection.requests:
            if spec.saved_uploads:
                continue
            sent, _ = prepare(settings, collection, spec, {**collection.variables, **settings.environ}, state, path.name)
            sent_requests.append(sent)
    with new_client() as client:
        started = time.perf_counter()
        for sent in sent_requests:
            send(client, sent)
        return len(sent_requests), time.perf_counter() - started


def suite_replay() -> tuple[int, float]:
    """The whole shipped suite from the bundled cassettes, report included, in a fresh process."""
    with tempfile.TemporaryDirectory() as reports:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "collections", "-q", "-p", "no:cacheprovider", "--report", f"{reports}/r.html"],
            cwd=REPO, capture_output=True, text=True, env={k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"},
        )
        elapsed = time.perf_counter() - started
    last = done.stdout.strip().splitlines()[-1]
    if done.returncode != 0:
        raise SystemExit(f"the suite failed: {last}")
    return int(last.split(" passed")[0].split()[-1]), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    raw, suite = [], []
    with running_sandbox(api_key=SANDBOX_RECORDING_KEY, latency_scale=0.0) as server:
        for _ in range(rounds):
            count, seconds = raw_loop(server.base_url)
            raw.append(seconds / count)
            tests, seconds = suite_replay()
            suite.append(seconds / tests)
    raw_ms, suite_ms = statistics.median(raw) * 1000, statistics.median(suite) * 1000
    print(f"raw httpx loop to the sandbox: {raw_ms:.1f} ms per request ({count} requests)")
    print(f"suite replay, checks and report, process start included: {suite_ms:.1f} ms per request ({tests} tests)")
    print(f"ratio: {suite_ms / raw_ms:.2f}x  (median of {rounds} rounds)")


if __name__ == "__main__":
    main()
