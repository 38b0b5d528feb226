"""The `imagecontract` command: one subcommand per job, each defined beside its logic.

Each module in `SUBCOMMANDS` has `register(subparsers)`, which adds its parsers
and sets `func(args) -> int` as the handler. Only the module of the command
given is imported (`run` needs no sandbox, Postman or merge code); help and
unknown commands import them all, so every command is listed.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from imagecontract import __version__
from imagecontract.cli import frozen_heap
from imagecontract.errors import ImageContractError

SUBCOMMANDS = {
    "run": "imagecontract.cli.run",
    "record": "imagecontract.cli.run",
    "serve": "imagecontract.cli.serve",
    "import-postman": "imagecontract.cli.postman",
    "export-postman": "imagecontract.cli.postman",
    "matrix": "imagecontract.cli.matrix",
    "merge": "imagecontract.cli.merge",
    "scan-secrets": "imagecontract.cli.scan",
    "verify-gateway": "imagecontract.cli.verify_gateway",
    "drift": "imagecontract.cli.drift",
}
"""Command name -> the module that registers it."""
IN_PROCESS_PYTEST = frozenset({"run", "record", "verify-gateway"})
"""Commands that run pytest in this process: the collector waits out their start-up (`frozen_heap`)."""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser for `command` alone when it is known, else for every command."""
    parser = argparse.ArgumentParser(
        prog="imagecontract",
        description="Contract tests for the OpenAI Images API and compatible gateways.",
    )
    parser.add_argument("--version", action="version", version=f"imagecontract {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    modules = [SUBCOMMANDS[command]] if command in SUBCOMMANDS else list(dict.fromkeys(SUBCOMMANDS.values()))
    for module_name in modules:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in IN_PROCESS_PYTEST:
        frozen_heap.pause()
    try:
        parser = build_parser(argv[0] if argv else None)
        args, extra = parser.parse_known_args(argv)
        if extra and not getattr(args, "accepts_extra", False):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.extra = extra
        return int(args.func(args) or 0)
    except ImageContractError as exc:
        print(f"imagecontract: error: {exc}", file=sys.stderr)
        return 2
    finally:
        frozen_heap.resume()


if __name__ == "__main__":
    sys.exit(main())
