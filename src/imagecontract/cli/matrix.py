"""`imagecontract matrix`: the suite against several targets at once, and the compatibility matrix.

Each target runs as its own pytest process (live, or from `cassettes/<target>/`),
all at the same time; their `summary.json` files become the matrix columns.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from imagecontract.cli.run import pytest_args
from imagecontract.errors import ImageContractError
from imagecontract.report.matrix import build_matrix, column_names, write_matrix

POLL_SECONDS = 0.5
MATRIX_FILES = (".html", ".md", ".json")


def _run_target(target: str, name: str, args: argparse.Namespace, out: Path) -> subprocess.Popen[bytes]:
    url = target.split("=", 1)[1] if "=" in target and "://" not in target.split("=", 1)[0] else target
    mode = ["--live"] if args.live else ["--cassette-dir", str(Path(args.cassette_root) / name)]
    command = [sys.executable, "-m", "pytest", *pytest_args([
        "-q", "-p", "no:cacheprovider", "--target", url, "--report", str(out / name / "report.html"), *mode, *args.extra,
    ])]
    log = (out / name).joinpath("pytest.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _matrix(args: argparse.Namespace) -> int:
    out = Path(args.output)
    names = column_names(args.target)
    if args.reference is not None and args.reference not in names:
        raise ImageContractError(f"--reference {args.reference!r} is not one of the targets: {', '.join(names)}")
    clear_previous(out, names)
    running = {name: _run_target(target, name, args, out) for target, name in zip(args.target, names)}
    reports = {name: f"{name}/report.html" for name in names}
    summaries: dict[str, dict] = {}
    write_matrix(build_matrix(summaries, args.reference, list(running)), out, reports)
    print(f"imagecontract: matrix: running {len(names)} targets; watch {out / 'matrix.html'}", flush=True)
    while running:
        name, process = _next_finished(running)
        summary = out / name / "summary.json"
        if not summary.is_file():
            raise ImageContractError(f"target {name!r} wrote no summary (pytest exit {process.returncode}); see {out / name / 'pytest.log'}")
        summaries[name] = json.loads(summary.read_text(encoding="utf-8"))
        write_matrix(build_matrix(summaries, args.reference, list(running)), out, reports)
        print(f"imagecontract: matrix: {name} finished ({len(summaries)} of {len(names)} targets)", flush=True)
    matrix = build_matrix({name: summaries[name] for name in names}, args.reference)
    failing = write_matrix(matrix, out, reports)
    print(f"imagecontract: matrix of {len(matrix.rows)} capabilities x {len(names)} targets, {failing} failing cells: {out / 'matrix.html'}")
    return 0 if failing == 0 else 1


def _next_finished(running: dict[str, subprocess.Popen[bytes]]) -> tuple[str, subprocess.Popen[bytes]]:
    """Wait for any target's run to end; take it out of `running`."""
    while True:
        for name, process in running.items():
            if process.poll() is not None:
                return name, running.pop(name)
        time.sleep(POLL_SECONDS)


def clear_previous(out: Path, names: list[str]) -> None:
    """Remove what an earlier matrix wrote for these targets, so no column is built from a previous run's data."""
    for name in names:
        if name in (".", "..") or Path(name).name != name:
            raise ImageContractError(f"--target {name}=...: a column name must be a plain folder name under {out}/")
        shutil.rmtree(out / name, ignore_errors=True)
    for suffix in MATRIX_FILES:
        (out / f"matrix{suffix}").unlink(missing_ok=True)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "matrix", help="run the suite against several targets and write a compatibility matrix",
        description="Run the collections against each target concurrently and write matrix.html, .md and .json. "
                    "Other arguments are passed to every pytest run.",
    )
    parser.add_argument("--target", action="append", required=True, metavar="NAME|URL|NAME=URL",
                        help="a target (repeatable): a name from collections/targets.yaml, a URL, or NAME=URL")
    parser.add_argument("--reference", metavar="NAME", help="add a column of differences against this target")
    parser.add_argument("--live", action="store_true", help="send requests; otherwise replay cassettes/<target>/")
    parser.add_argument("--cassette-root", default="cassettes", metavar="DIR", help="per-target cassettes live under DIR/<target>/")
    parser.add_argument("-o", "--output", default="reports", metavar="DIR", help="where the matrix and each target's report go")
    parser.set_defaults(func=_matrix, accepts_extra=True)
