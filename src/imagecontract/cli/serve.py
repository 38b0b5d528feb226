"""`imagecontract serve`: run the sandbox in the foreground until Ctrl-C.

Heavy imports (Starlette, uvicorn, Pillow) wait until the command runs, so
registering the subcommand costs other commands nothing.
"""

from __future__ import annotations

import argparse
import sys
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
    parser.add_argument("--list-faults", action="store_true", help="print the available faults and exit")
    parser.set_defaults(func=serve)


def serve(args: argparse.Namespace) -> int:
    from imagecontract.sandbox.config import SandboxConfig
    from imagecontract.sandbox.faults import describe
    from imagecontract.sandbox.server import bind, make_server

    if args.list_faults:
        print(describe())
        return 0
    config = SandboxConfig(
        api_key=args.api_key,
        latency_scale=args.latency_scale,
        rate_limit=args.rate_limit,
        faults=tuple(args.fault),
    )
    server = make_server(config, log_level="info")
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        raise ImageContractError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    host, port = sock.getsockname()[:2]
    print(f"imagecontract sandbox serving http://{host}:{port}/v1 (Ctrl-C to stop)", flush=True)
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
