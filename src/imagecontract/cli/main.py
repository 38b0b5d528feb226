"""The `imagecontract` command: one subcommand per job, each defined beside its logic.

Each entry in `SUBCOMMANDS` names a module with `register(subparsers)`,
which adds its parser and sets `func(args) -> int` as the handler.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from imagecontract import __version__
from imagecontract.errors import ImageContractError

SUBCOMMANDS = (
    "imagecontract.cli.run",
    "imagecontract.cli.serve",
    "imagecontract.cli.postman",
    "imagecontract.cli.matrix",
    "imagecontract.cli.merge",
    "imagecontract.cli.scan",
    "imagecontract.cli.verify_gateway",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imagecontract",
        description="Contract tests for the OpenAI Images API and compatible gateways.",
    )
    parser.add_argument("--version", action="version", version=f"imagecontract {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in SUBCOMMANDS:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "accepts_extra", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    try:
        return int(args.func(args) or 0)
    except ImageContractError as exc:
        print(f"imagecontract: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
