"""`imagecontract drift [--spec FILE] [--sdk]`: print how the official sources differ from the rules table.

Nothing is printed and the exit code is 0 when they agree; each difference is one line and the exit code 1;
a spec that cannot be read or an SDK that is not installed is one error line and exit code 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "drift",
        help="compare the rules table with an OpenAPI spec and/or the installed openai SDK",
        description="Print what changed between the rules table and the official sources (new or removed models, "
                    "enum values, parameters, limits); exit 1 on a difference, 0 with no output when they agree.",
    )
    parser.add_argument("--spec", type=Path, metavar="FILE",
                        help="an OpenAPI document (YAML or JSON), e.g. openai-openapi's openapi.yaml")
    parser.add_argument("--sdk", action="store_true",
                        help="the installed openai SDK's types (the default when --spec is not given)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from imagecontract.drift import drift

    differences = drift(args.spec, sdk=args.sdk or args.spec is None)
    for difference in differences:
        print(difference)
    return 1 if differences else 0
