"""`imagecontract serve`: run the sandbox in the foreground until Ctrl-C.

Heavy imports (Starlette, uvicorn, Pillow) wait until the command runs, so
registering the subcommand costs other commands nothing.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Sequence

from imagecontract.errors import ImageContractError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the local Images API sandbox",
        description="Serve a local stand-in for the OpenAI Images API (loopback only by default).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on; 0 picks a free one (default: 8080)")
    parser.add_argument("--api-key", metavar="KEY", help="accept only this API key (default: any non-empty key)")
    parser.add_argument(
        "--latency-scale",
        type=float,
        default=1.0,
        metavar="F",
        help="multiply the seed latencies (6-8 s generation, 15-17 s edit, 12-14 s variation) by F; 0 answers at once",
    )
    parser.add_argument("--rate-limit", type=int, metavar="N", help="allow N images per minute, then answer 429")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME[=ARG]",
        help="inject a fault (repeatable); see --list-faults",
    )
    parser.add_argument(
        "--as-of",
        default=None,
        metavar="YYYY-MM-DD",
        help="serve the API as it was on this day (default: today); 2025-06-01 is the seed era of the legacy collections",
    )
    parser.add_argument(
        "--still-serve",
        action="append",
        default=[],
        metavar="MODEL|ENDPOINT",
        help="serve this retired model (dall-e-2, gpt-image-1, ...) or endpoint (variations) anyway, as a gateway "
             "routing it to another provider does (repeatable)",
    )
    parser.add_argument("--list-faults", action="store_true", help="print the available faults and exit")
    parser.set_defaults(func=serve)


def _day(text: str | None) -> date | None:
    """`--as-of` as a day; a bad one is one line naming the option."""
    from imagecontract.rules import parse_day

    if text is None:
        return None
    try:
        return parse_day(text)
    except ValueError as exc:
        raise ImageContractError(f"--as-of {exc}") from None


def _retired_names(names: Sequence[str]) -> list[str]:
    """`--still-serve` values, each a model or endpoint the rules table knows."""
    from imagecontract.rules import ENDPOINTS, MODELS

    for name in names:
        if name not in MODELS and name not in ENDPOINTS:
            raise ImageContractError(f"--still-serve {name!r}: not a model or endpoint of the rules table "
                                     f"(models: {', '.join(MODELS)}; endpoints: {', '.join(ENDPOINTS)})")
    return list(names)


def serve(args: argparse.Namespace) -> int:
    from imagecontract.sandbox.config import SandboxConfig
    from imagecontract.sandbox.faults import describe
    from imagecontract.sandbox.server import bind, make_server

    if args.list_faults:
        print(describe())
        return 0
    as_of = _day(args.as_of)
    config = SandboxConfig(
        api_key=args.api_key,
        latency_scale=args.latency_scale,
        rate_limit=args.rate_limit,
        faults=tuple(args.fault),
        as_of=as_of,
        still_serves=tuple(_retired_names(args.still_serve)),
    )
    server = make_server(config, log_level="info")
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        raise ImageContractError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    host, port = sock.getsockname()[:2]
    print(f"imagecontract sandbox serving http://{host}:{port}/v1 as of {config.day.isoformat()} (Ctrl-C to stop)",
          flush=True)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Just the `serve` command, for `python -m imagecontract.cli.serve serve ...`."""
    parser = argparse.ArgumentParser(prog="imagecontract")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ImageContractError as exc:
        print(f"imagecontract: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
