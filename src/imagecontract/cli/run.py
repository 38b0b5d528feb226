"""`imagecontract run` and `imagecontract record`: pytest over the collections.

`run [pytest args]` is exactly `pytest collections [args]`. `record --sandbox`
re-records every bundled cassette from a sandbox started for the purpose, so
refreshing them is one command.
"""

from __future__ import annotations

import argparse
import os
from typing import Sequence

import pytest

from imagecontract.cli import default_paths
from imagecontract.pytest.preload import import_plugin

DEFAULT_PATHS_PLUGIN = default_paths.__name__
"""Imported here, before pytest runs, so `-p` finds it loaded (not rewritten, like the plugin itself)."""

SANDBOX_RECORDING_KEY = "ic-sandbox-recording-key"
"""The key the recording sandbox requires, so the wrong-key case answers 401 as the API does."""


def pytest_args(extra: Sequence[str]) -> list[str]:
    """pytest's arguments: `collections/` unless the caller names test paths of their own (see `default_paths`).

    Hypothesis's pytest plugin (installed with the dev extra) is left out: collections have no property
    tests, and it imports all of Hypothesis at the end of every run (~0.25 s)."""
    return ["-W", "ignore::pytest.PytestAssertRewriteWarning", "-p", "no:hypothesispytest",
            "-o", "testpaths=collections", "-p", DEFAULT_PATHS_PLUGIN, *extra]


def _run(args: argparse.Namespace) -> int:
    import_plugin()
    return int(pytest.main(pytest_args(args.extra)))


def _record(args: argparse.Namespace) -> int:
    mode = ["--record-mode", args.mode]
    import_plugin()
    if not args.sandbox:
        return int(pytest.main(pytest_args([*mode, *args.extra])))
    from imagecontract.sandbox import running_sandbox

    previous = os.environ.get("OPENAI_API_KEY")
    os.environ["OPENAI_API_KEY"] = SANDBOX_RECORDING_KEY
    try:
        with running_sandbox(api_key=SANDBOX_RECORDING_KEY, latency_scale=0.0) as server:
            print(f"imagecontract: recording from the sandbox at {server.base_url}")
            return int(pytest.main(pytest_args([*mode, "--target", server.base_url, *args.extra])))
    finally:
        if previous is None:
            os.environ.pop("OPENAI_API_KEY", None)
        else:
            os.environ["OPENAI_API_KEY"] = previous


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
