"""`imagecontract run` and `imagecontract record`: pytest over the collections.

`run [pytest args]` is exactly `pytest collections [args]`. `record --sandbox`
re-records every bundled cassette from a sandbox started for the purpose, so
refreshing them is one command: one sandbox per profile, each serving the API
as of its collections' `as_of` (the legacy collections' seed era, today's for
the rest).
"""

from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path
from typing import Sequence

import pytest

from imagecontract.cli import default_paths, frozen_heap
from imagecontract.pytest.preload import import_plugin

DEFAULT_PATHS_PLUGIN = default_paths.__name__
"""Imported here, before pytest runs, so `-p` finds it loaded (not rewritten, like the plugin itself)."""
FROZEN_HEAP_PLUGIN = frozen_heap.__name__

SANDBOX_RECORDING_KEY = "rec-7f3a9c2e51b04d8e96"
"""The key the recording sandbox requires, so the wrong-key case answers 401 as the API does. Random-looking,
as real keys are: no 8 characters of it may appear in an answer (`no_secret_echo`)."""


def pytest_args(extra: Sequence[str]) -> list[str]:
    """pytest's arguments: `collections/` unless the caller names test paths of their own (see `default_paths`).

    Hypothesis's pytest plugin (installed with the dev extra) is left out: collections have no property
    tests, and it imports all of Hypothesis at the end of every run (~0.25 s). So is anyio's (installed with
    httpx): collections have no async tests, and it imports asyncio and trio before the first request (~60 ms)."""
    return ["-W", "ignore::pytest.PytestAssertRewriteWarning", "-p", "no:hypothesispytest", "-p", "no:anyio",
            "-o", "testpaths=collections", "-p", DEFAULT_PATHS_PLUGIN, "-p", FROZEN_HEAP_PLUGIN, *extra]


def run_pytest(extra: Sequence[str]) -> int:
    """`pytest.main` over `pytest_args(extra)` in this process; the objects frozen after collection are given
    back to the collector when it returns (see `frozen_heap`)."""
    try:
        return int(pytest.main(pytest_args(extra)))
    finally:
        frozen_heap.resume()


def _run(args: argparse.Namespace) -> int:
    import_plugin()
    return run_pytest(args.extra)


def _record(args: argparse.Namespace) -> int:
    mode = ["--record-mode", args.mode]
    import_plugin()
    if not args.sandbox:
        return run_pytest([*mode, *args.extra])
    from imagecontract.sandbox import running_sandbox

    profiles = collection_profiles(args.extra)
    previous = os.environ.get("OPENAI_API_KEY")
    os.environ["OPENAI_API_KEY"] = SANDBOX_RECORDING_KEY
    codes = []
    try:
        for day, files in profiles.items():
            with running_sandbox(api_key=SANDBOX_RECORDING_KEY, latency_scale=0.0, as_of=day) as server:
                print(f"imagecontract: recording {len(files)} collection(s) as of {day.isoformat()} "
                      f"from the sandbox at {server.base_url}")
                report = [] if len(profiles) == 1 or _names_report(args.extra) else [
                    "--report", f"reports/record-{day.isoformat()}/report.html"]
                options = [arg for arg in args.extra if not _is_path(arg)]
                codes.append(int(pytest.main(
                    ["-W", "ignore::pytest.PytestAssertRewriteWarning", *files, *mode, "--target", server.base_url,
                     "--as-of", day.isoformat(), *report, *options])))
    finally:
        if previous is None:
            os.environ.pop("OPENAI_API_KEY", None)
        else:
            os.environ["OPENAI_API_KEY"] = previous
    failed = [code for code in codes if code not in (0, NO_TESTS_COLLECTED)]
    return failed[0] if failed else (0 if 0 in codes else NO_TESTS_COLLECTED)


NO_TESTS_COLLECTED = int(pytest.ExitCode.NO_TESTS_COLLECTED)


def _is_path(arg: str) -> bool:
    return not arg.startswith("-") and Path(arg.split("::")[0]).exists()


def _names_report(extra: Sequence[str]) -> bool:
    return any(arg in ("--report", "--no-report") or arg.startswith("--report=") for arg in extra)


def collection_profiles(extra: Sequence[str]) -> dict[date, list[str]]:
    """The collections a sandbox recording covers (the paths among `extra`, else `collections/`), by the day each
    is recorded as of: its `as_of`, else today. Each day gets a sandbox serving the API of that day."""
    from imagecontract.collection.loader import load_collection
    from imagecontract.collection.model import NOT_COLLECTIONS
    from imagecontract.rules import today

    named = [arg for arg in extra if _is_path(arg)] or [default_paths.DEFAULT_COLLECTIONS]
    profiles: dict[date, list[str]] = {}
    for arg in named:
        path = Path(arg.split("::")[0])
        files = sorted(path.rglob("*.y*ml")) if path.is_dir() else [path]
        for file in files:
            if file.suffix in (".yaml", ".yml") and file.name not in NOT_COLLECTIONS:
                day = load_collection(file).as_of or today()
                profiles.setdefault(day, []).append(arg if "::" in arg else str(file))
    return dict(sorted(profiles.items()))


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser(
        "run", help="run the collections as tests (pytest collections [args])", add_help=False,
        description="Run collections as pytest tests; every argument is passed to pytest.",
    )
    run.set_defaults(func=_run, accepts_extra=True)
    record = subparsers.add_parser(
        "record", help="record cassettes (from the embedded sandbox with --sandbox)",
        description="Record cassettes; other arguments are passed to pytest. "
                    "A re-recording replaces a cassette only when its test passes.",
    )
    record.add_argument("--sandbox", action="store_true", help="start the sandbox on a free port and record from it")
    record.add_argument("--mode", default="all", choices=["once", "new_episodes", "all"], help="vcrpy record mode (default: all)")
    record.set_defaults(func=_record, accepts_extra=True)
