"""`imagecontract merge DIR_OR_FILE... -o reports/`: one report from the shards of a run.

Writes `summary.json`, `report.html` and `junit.xml` into the output
directory; for matrix runs (inputs laid out as `DIR/<target>/summary.json`)
one such set per target under `OUT/<target>/` and the compatibility matrix.
Exit 0 when merged, 1 when a test is missing or duplicated (everything is
still written, duplicates kept, so the report shows what ran), 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from imagecontract.distributed.merge import Merged, locate, matrix_facts, merge_summaries, read_expected
from imagecontract.pytest.replay import write_report
from imagecontract.report.matrix import build_matrix, write_matrix
from imagecontract.report.summary import SUMMARY_NAME, write_json

HTML_NAME = "report.html"
JUNIT_NAME = "junit.xml"


def write_merged(merged: Merged, out: Path) -> None:
    """`summary.json`, `report.html` and `junit.xml` of one merged run, in `out`."""
    write_json(out / SUMMARY_NAME, merged.summary)
    write_report(merged.summary, out / HTML_NAME, out / JUNIT_NAME)


def _merge(args: argparse.Namespace) -> int:
    out = Path(args.output)
    expected = read_expected(Path(args.expect_tests)) if args.expect_tests else None
    groups = locate([Path(path) for path in args.inputs])
    merged = {target: merge_summaries(shards, expected) for target, shards in groups.items()}
    if None in merged:
        write_merged(merged[None], out)
    else:
        for target, one in merged.items():
            write_merged(one, out / str(target))
        facts = matrix_facts(Path(path) for path in args.inputs)
        names = [str(target) for target in merged]
        matrix = build_matrix({name: merged[name].summary for name in names}, facts["reference"] if facts["reference"] in names else None)
        write_matrix(matrix, out, {name: f"{name}/{HTML_NAME}" for name in names})
    return _verdict(merged, out)


def _verdict(merged: dict[str | None, Merged], out: Path) -> int:
    problems = [problem for one in merged.values() for problem in one.problems]
    for line in [*problems, *(note for one in merged.values() for note in one.unexpected)]:
        print(f"imagecontract merge: {line}", file=sys.stderr)
    counts = ", ".join(f"{target or 'run'}: {one.summary['run']['counts']['total']} tests" for target, one in merged.items())
    print(f"imagecontract merge: {counts}; wrote {out}" + (f" with {len(problems)} problems" if problems else ""))
    return 1 if problems else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "merge", help="merge the shards of a run into one report, summary, JUnit file (and matrix)",
        description="Merge shards' summary.json files (or directories holding one, or matrix directories holding "
                    "<target>/summary.json) into one report.html, summary.json and junit.xml, as one unsharded run "
                    "writes them. Exit 1 when a test is missing or duplicated, 2 on bad input.",
    )
    parser.add_argument("inputs", nargs="+", metavar="DIR_OR_FILE", help=f"a {SUMMARY_NAME} or a directory holding one")
    parser.add_argument("-o", "--output", default="reports", metavar="DIR", help="where to write (default: reports)")
    parser.add_argument("--expect-tests", metavar="FILE",
                        help="node ids that must each have run once, one a line "
                             "(imagecontract run --collect-only -q > FILE writes one)")
    parser.set_defaults(func=_merge)

