"""`imagecontract scan-secrets PATH...`: a CI gate that no key reached a written file.

Prints one line per find, `path:line: <kind> (<masked excerpt>)`, then a count.
Exit 0 when clean, 1 on any find, 2 on a bad argument (a missing path, an
unset `--key-env`) or a file that could not be read (so nothing passes unscanned).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from imagecontract.secret_scan import ScanError, ScanResult, Secret, scan_paths, secret_from_env

DEFAULT_KEY_ENV = "OPENAI_API_KEY"

EXIT_CLEAN, EXIT_FOUND, EXIT_UNSCANNED = 0, 1, 2


def _secrets(names: list[str] | None) -> list[Secret]:
    """The keys of `--key-env` (each must be set), else `$OPENAI_API_KEY` when it is set and long enough."""
    if names:
        return [secret_from_env(name, os.environ) for name in dict.fromkeys(names)]
    if not os.environ.get(DEFAULT_KEY_ENV):
        return []
    try:
        return [secret_from_env(DEFAULT_KEY_ENV, os.environ)]
    except ScanError as exc:
        print(f"imagecontract scan-secrets: note: {exc}; looking for key shapes only", file=sys.stderr)
        return []


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _count_line(result: ScanResult) -> str:
    """`scan-secrets: 2 finds in 1 of 14 files`, or `scan-secrets: no finds in 14 files`."""
    files_with = len({find.path for find in result.finds})
    found = f"{_plural(len(result.finds), 'find')} in {files_with} of {_plural(result.files, 'file')}" if result.finds \
        else f"no finds in {_plural(result.files, 'file')}"
    unreadable = f", {len(result.unreadable)} unreadable" if result.unreadable else ""
    return f"scan-secrets: {found}{unreadable}"


def _scan(args: argparse.Namespace) -> int:
    result = scan_paths([Path(path) for path in args.paths], _secrets(args.key_env), exclude=args.exclude)
    for find in result.finds:
        print(find)
    for problem in result.unreadable:
        print(f"imagecontract scan-secrets: could not read {problem}", file=sys.stderr)
    print(_count_line(result))
    if result.finds:
        return EXIT_FOUND
    return EXIT_UNSCANNED if result.unreadable else EXIT_CLEAN


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "scan-secrets", help="fail when a file holds an API key, part of one, or a key-shaped string",
        description="Scan files and directories (recursively; .git, .venv and node_modules skipped) for the keys "
                    "of --key-env (whole, or any prefix longer than the masked form sk-abc***...xyz shows) and for "
                    "key-shaped strings. Exit 0 when clean, 1 on a find, 2 on a bad argument or an unreadable file.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories: cassettes/, reports/, junit.xml, logs")
    parser.add_argument("--key-env", action="append", metavar="NAME",
                        help=f"environment variable holding a key to look for (repeatable; default ${DEFAULT_KEY_ENV} when set)")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                        help="skip files or directories whose path (relative to the PATH given) or name matches, "
                             "e.g. 'tests/fixtures/*' (repeatable)")
    parser.set_defaults(func=_scan)
