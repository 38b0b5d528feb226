"""Sharded runs for real: `--shard K/N` sessions, and three shard processes (each `-n 2`) sharing one budget in Redis.

The sandbox counts what it is sent: with the budget shared through a real redis-server it never answers 429
and never generates more than `--max-images`; with Redis stopped mid-run every shard stops naming the store.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest
from services import RedisServer, redis_server  # noqa: F401  (the fixture)

from imagecontract.cli.main import main
from imagecontract.image_budget import budget

REPO = Path(__file__).resolve().parents[2]
KEY = "ic-shard-test-key-0123456789"
SHARDS = 3
SPEED = 20.0
"""Sandbox seconds per real second: its 60 s rate window lasts 3 real seconds."""
BUDGET_WINDOW = 60 / SPEED * 1.5
"""The suite's window, wider than the sandbox's so a request's travel time never lets two windows' worth arrive in one."""


def fast_clock() -> Callable[[], float]:
    start = time.time()
    return lambda: start + (time.time() - start) * SPEED


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the shipped suite (collections, schemas, cassettes) to run shards in."""
    for name in ("collections", "schemas", "cassettes"):
        shutil.copytree(REPO / name, tmp_path / name)
    return tmp_path


def collected(pytester: pytest.Pytester, *args: str) -> list[str]:
    result = pytester.runpytest("collections", "--co", "-q", "-p", "no:cacheprovider", "--no-report", *args)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    return [line for line in result.stdout.lines if "::" in line]


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ("collections", "schemas", "cassettes"):
        shutil.copytree(REPO / name, pytester.path / name)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    return pytester


def test_shards_together_collect_the_unsharded_selection_once(suite: pytest.Pytester) -> None:
    for selection in ((), ("-k", "edits or chain")):
        everything = collected(suite, *selection)
        parts = [collected(suite, *selection, "--shard", f"{index}/{SHARDS}") for index in range(1, SHARDS + 1)]
        assert all(parts)
        assert sorted(nodeid for part in parts for nodeid in part) == sorted(everything)
        assert parts == [collected(suite, *selection, "--shard", f"{index}/{SHARDS}") for index in range(1, SHARDS + 1)]


def test_a_bad_shard_is_a_usage_error(suite: pytest.Pytester) -> None:
    result = suite.runpytest("collections", "--shard", "4/3", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--shard '4/3': K must be between 1 and N (N >= 1), got K=4, N=3*"])


def test_an_unreachable_budget_store_stops_the_run_before_sending(suite: pytest.Pytester, sandbox: Any) -> None:
    from services import free_port

    server = sandbox(api_key=KEY)
    url = f"redis://127.0.0.1:{free_port()}/0"
    result = suite.runpytest("collections", "--live", "--target", server.base_url, "--budget-url", url, "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*the budget store {url} is unreachable*nothing was sent (start the store, or fix --budget-url)*"])
    assert server.stats()["requests"] == 0


@dataclass
class Shard:
    index: int
    process: subprocess.Popen[bytes]
    log: Path
    report: Path

    def wait(self, timeout: float) -> str:
        self.process.wait(timeout=timeout)
        return self.log.read_text(encoding="utf-8", errors="replace")

    def summary(self) -> dict[str, Any]:
        return json.loads((self.report.parent / "summary.json").read_text(encoding="utf-8"))


def start_shards(project: Path, target: str, *args: str, workers: int = 2) -> list[Shard]:
    """SHARDS pytest processes of the live suite, each itself with `-n workers` (none for 0), started at once."""
    env = {**os.environ, "OPENAI_API_KEY": KEY, budget.WINDOW_ENV: str(BUDGET_WINDOW), "PYTHONUNBUFFERED": "1"}
    env.pop("PYTEST_XDIST_TESTRUNUID", None)
    shards = []
    for index in range(1, SHARDS + 1):
        out = project / "reports" / f"shard-{index}"
        out.mkdir(parents=True)
        log = out / "pytest.log"
        command = [sys.executable, "-m", "pytest", "collections", *(["-n", str(workers)] if workers else []),
                   "-p", "no:cacheprovider", "--target", target,
                   "--shard", f"{index}/{SHARDS}", "--report", str(out / "report.html"), *args]
        process = subprocess.Popen(command, cwd=project, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        shards.append(Shard(index, process, log, out / "report.html"))
    return shards


def started(shard: Shard) -> bool:
    """Whether the shard is past its start-up, where it checks the budget store (its header line is printed after)."""
    return "imagecontract: target" in shard.log.read_text(encoding="utf-8", errors="replace")


def verdicts(summary: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    """Per test: outcome, the checks run with their verdicts, and the failures; timings aside."""
    return {
        test["nodeid"]: (test["outcome"], json.dumps(test.get("checks"), sort_keys=True),
                         json.dumps(test.get("failures"), sort_keys=True))
        for test in summary["tests"]
    }


def test_three_shards_share_one_rate_through_redis_and_equal_the_unsharded_run(
    project: Path, sandbox: Any, redis_server: RedisServer
) -> None:
    limited = sandbox(api_key=KEY, rate_limit=30, clock=fast_clock())
    shards = start_shards(project, limited.base_url, "--live", "--rate-limit", "30", "--budget-url", redis_server.url,
                          "--run-id", "three-shards")
    logs = [shard.wait(timeout=240) for shard in shards]
    for shard, log in zip(shards, logs):
        assert shard.process.returncode == 0, log[-3000:]
    stats = limited.stats()
    assert stats["rate_limited"] == 0
    sharded: dict[str, tuple[Any, ...]] = {}
    for shard in shards:
        part = verdicts(shard.summary())
        assert not set(part) & set(sharded), "a test ran in two shards"
        sharded.update(part)

    unlimited = sandbox(api_key=KEY)
    whole = subprocess.run(
        [sys.executable, "-m", "pytest", "collections", "-p", "no:cacheprovider", "--live", "--target", unlimited.base_url,
         "--report", str(project / "reports" / "whole" / "report.html")],
        cwd=project, env={**os.environ, "OPENAI_API_KEY": KEY}, capture_output=True, text=True, timeout=240,
    )
    assert whole.returncode == 0, whole.stdout[-3000:]
    unsharded = json.loads((project / "reports" / "whole" / "summary.json").read_text())
    assert sharded == verdicts(unsharded)
    assert stats["images_generated"] == unlimited.stats()["images_generated"]

    for shard in shards:
        run = shard.summary()["run"]
        assert (run["shard"]["index"], run["shard"]["total"], len(run["collected"])) == (shard.index, SHARDS, len(unsharded["tests"]))
    assert main(["merge", *[str(shard.report.parent) for shard in shards[:2]], "-o", str(project / "reports" / "partial")]) == 1
    assert main(["merge", *[str(shard.report.parent) for shard in shards], "-o", str(project / "reports" / "merged")]) == 0
    merged = json.loads((project / "reports" / "merged" / "summary.json").read_text())
    assert list(verdicts(merged).items()) == list(verdicts(unsharded).items())
    assert merged["run"]["counts"] == unsharded["run"]["counts"]
    assert (project / "reports" / "merged" / "report.html").is_file()


def estimate_of(project: Path, target: str, *args: str) -> int:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "collections", "--co", "-q", "-p", "no:cacheprovider", "--live", "--no-report",
         "--target", target, *args],
        cwd=project, env={**os.environ, "OPENAI_API_KEY": KEY}, capture_output=True, text=True, timeout=120,
    )
    line = next(line for line in result.stdout.splitlines() if "this run may generate up to" in line)
    return int(line.split("up to ")[1].split()[0])


def test_max_images_is_one_cap_for_all_three_shards(project: Path, sandbox: Any, redis_server: RedisServer) -> None:
    server = sandbox(api_key=KEY)
    per_shard = [estimate_of(project, server.base_url, "--shard", f"{index}/{SHARDS}") for index in range(1, SHARDS + 1)]
    cap = max(per_shard)
    assert sum(per_shard) > cap
    shards = start_shards(project, server.base_url, "--live", "--max-images", str(cap), "--budget-url", redis_server.url,
                          "--run-id", "capped", workers=0)
    logs = [shard.wait(timeout=240) for shard in shards]
    assert server.stats()["images_generated"] <= cap
    assert any(f"--max-images {cap} reached" in log for log in logs), "\n".join(log[-1500:] for log in logs)


def test_redis_stopped_mid_run_stops_every_shard_and_keeps_what_was_recorded(
    project: Path, sandbox: Any, redis_server: RedisServer
) -> None:
    """Re-recording every cassette (`--record-mode all`) while Redis goes away: afterwards the suite still replays green."""
    cassettes = project / "cassettes"
    before = {path: path.read_bytes() for path in cassettes.rglob("*") if path.is_file()}
    server = sandbox(api_key=KEY, latency_scale=0.05)
    shards = start_shards(project, server.base_url, "--record-mode", "all", "--budget-url", redis_server.url,
                          "--run-id", "store-stops", workers=0)
    deadline = time.monotonic() + 60
    while (server.stats()["requests"] < 6 or not all(map(started, shards))) and time.monotonic() < deadline:
        time.sleep(0.05)
    redis_server.stop()
    stopped = time.monotonic()
    logs = [shard.wait(timeout=120) for shard in shards]
    assert time.monotonic() - stopped < 100
    assert server.stats()["requests"] < len(before)
    for shard, log in zip(shards, logs):
        assert shard.process.returncode == pytest.ExitCode.INTERRUPTED, log[-2000:]
        assert f"the budget store {redis_server.url} stopped answering" in log, log[-3000:]
        assert "Traceback" not in log
    after = {path for path in cassettes.rglob("*") if path.is_file()}
    assert set(before) <= after
    replay = subprocess.run([sys.executable, "-m", "pytest", "collections", "-p", "no:cacheprovider", "--no-report", "-q"],
                            cwd=project, env={**os.environ, "OPENAI_API_KEY": KEY}, capture_output=True, text=True,
                            timeout=120)
    assert replay.returncode == 0, replay.stdout[-3000:]


def test_under_xdist_a_chain_runs_on_one_worker_so_its_producer_runs_once(make_project: Any, sandbox: Any) -> None:
    server = sandbox()
    chain_and_more = "".join(
        f"  - name: plain {index}\n    path: /images/generations\n"
        f"    json: {{model: dall-e-2, prompt: a dog, size: 256x256, response_format: b64_json}}\n"
        for index in range(3)
    )
    project = make_project(chain_and_more)
    result = project.runpytest_subprocess("collections", "-n", "2", "--live", "--target", server.base_url,
                                          "-p", "no:cacheprovider", "--no-report", "-v")
    result.assert_outcomes(passed=5)
    ran_on = {line.split("]")[0] for line in result.stdout.lines
              if line.startswith("[gw") and ("::generate b64" in line or "::variation url" in line)}
    assert len(ran_on) == 1, result.stdout.str()
    assert server.stats()["by_endpoint"]["generations"]["requests"] == 4
