"""`imagecontract verify-gateway`: the suite through a gateway with the sandbox behind it (sandwich mode).

The sandbox listens on `--upstream-port` and requires the gateway's upstream key;
the user points the gateway at it, and every request of the run is compared with
what the sandbox received and answered (see `gateway/` and `checks/upstream.py`).
"""

from __future__ import annotations

import argparse
import os
from contextlib import ExitStack


from imagecontract.cli.run import run_pytest
from imagecontract.errors import ImageContractError
from imagecontract.pytest.gateway_hooks import UPSTREAM_KEY_ENV


def _verify(args: argparse.Namespace) -> int:
    from imagecontract.lifecycle import parse_day
    from imagecontract.sandbox import running_sandbox

    key = os.environ.get(args.upstream_key_env, "")
    if not key:
        raise ImageContractError(f"set {args.upstream_key_env} to the API key the gateway sends upstream (the sandbox "
                                 f"requires it, and the run checks that it never reaches the client)")
    options = ["--live", "--target", args.gateway, "--upstream-key-env", args.upstream_key_env]
    options += ["--api-key-env", args.gateway_key_env] if args.gateway_key_env else []
    options += ["--overhead-budget", str(args.overhead_budget)] if args.overhead_budget is not None else []
    options += ["--strict-checks"] if args.strict else []
    day = parse_day(args.as_of, "--as-of")
    # The run is judged as of the day the upstream serves (not $IMAGECONTRACT_AS_OF or the target's as_of), so a
    # request the upstream cannot serve is skipped with its reason instead of failing.
    options += ["--as-of", day.isoformat()]
    with ExitStack() as stack:
        try:
            server = stack.enter_context(running_sandbox(api_key=key, latency_scale=args.latency_scale,
                                                         port=args.upstream_port, as_of=day))
        except OSError as exc:
            raise ImageContractError(f"--upstream-port {args.upstream_port}: cannot listen on 127.0.0.1 ({exc.strerror})") from None
        print(f"imagecontract: the upstream sandbox listens on {server.base_url} as of {day.isoformat()} "
              f"(key ${args.upstream_key_env}); the gateway {args.gateway} must forward to it", flush=True)
        return run_pytest([*options, "--upstream", server.origin, *args.extra])


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "verify-gateway", help="run the suite through a gateway whose upstream is the sandbox (sandwich mode)",
        description="Start the sandbox on 127.0.0.1:PORT as the gateway's upstream, run the collections through the "
                    "gateway, and compare each request with what the sandbox received and sent. "
                    "Other arguments are passed to pytest.",
    )
    parser.add_argument("--gateway", required=True, metavar="URL|NAME",
                        help="the gateway: a base URL including /v1, or a target named in collections/targets.yaml")
    parser.add_argument("--upstream-port", type=int, required=True, metavar="PORT",
                        help="where the sandbox listens (the gateway must be configured to forward to http://127.0.0.1:PORT/v1)")
    parser.add_argument("--upstream-key-env", default=UPSTREAM_KEY_ENV, metavar="NAME",
                        help=f"the variable holding the key the gateway sends upstream (default {UPSTREAM_KEY_ENV})")
    parser.add_argument("--gateway-key-env", metavar="NAME", help="the variable holding the client's key for the gateway")
    parser.add_argument("--overhead-budget", type=float, metavar="SECONDS", help="how much the gateway may add per request")
    parser.add_argument("--latency-scale", type=float, default=0.0, metavar="F",
                        help="the sandbox's latency scale (default 0: it answers at once, so the gateway's time stands out)")
    parser.add_argument("--as-of", default="today", metavar="YYYY-MM-DD|today",
                        help="the day of the API the upstream sandbox serves and the run is judged as of (default today; "
                             "2025-06-01 is the seed era of collections/legacy)")
    parser.add_argument("--strict", action="store_true", help="advisory findings fail too (--strict-checks)")
    parser.set_defaults(func=_verify, accepts_extra=True)
