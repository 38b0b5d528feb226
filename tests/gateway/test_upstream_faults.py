"""Sandwich mode against the test gateway: each upstream-side fault fails exactly the check named for it,
with a reason a platform engineer understands; the same gateway passing everything through passes."""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

import httpx
import pytest

from faulty_gateway import running_gateway
from sandwich_helpers import GATEWAY_KEY, UPSTREAM_KEY, errors, failing_checks, name_target, project, run_through


class Fault(NamedTuple):
    fault: str
    node: str
    check: str
    expected: list[str]
    sandbox: dict[str, Any] = {}
    args: tuple[str, ...] = ()


GENERATE = "collections/legacy/generations.yaml::dall-e-2 url 256x256"
MISSING_PROMPT = "collections/legacy/errors.yaml::missing prompt"
FAULTS = [
    Fault("silent-retry", GENERATE, "no_silent_retries", ["called the upstream 2 times for 1 client request", "500, 200",
                                                          "1 silent retry, each one billed"], {"faults": ["error-500=2"]}),
    Fault("strip-retry-after", "collections/rate_limited.yaml", "errors_passed_through",
          ["the upstream's 429 carried Retry-After", "the client's answer has no Retry-After"], {"rate_limit": 1}),
    Fault("echo-upstream-key", MISSING_PROMPT, "no_upstream_leak", ["$.error.message carries the gateway's upstream API key"]),
    Fault("internal-urls", GENERATE, "no_upstream_leak", ["$.data[0].url carries the upstream's internal address 127.0.0.1:"]),
    Fault("drop-param=style", "collections/legacy/generations.yaml::dall-e-3 url 1024x1792 natural", "request_forwarded",
          ["`style` dropped: the client sent 'natural', the upstream received no style"]),
    Fault("split-n", "collections/legacy/generations.yaml::dall-e-2 url 512x512 n=2", "request_forwarded",
          ["n=2 was split into 2 upstream calls (n=1, n=1), each billed separately"]),
    Fault("padding", GENERATE, "response_unpadded", ["$.system_fingerprint added by the gateway: None"], args=("--strict-checks",)),
    Fault("rewrite-error-codes", MISSING_PROMPT, "errors_passed_through",
          ["error.code: the upstream sent 'missing_required_parameter', the client got 'gateway_error'"]),
    Fault("forward-client-key", GENERATE, "upstream_key_used",
          ["the client's own key was forwarded to the upstream (", "instead of its configured upstream key"],
          {"api_key": None}),
    Fault("overhead=0.4", GENERATE, "gateway_overhead", ["the gateway added 0.", "over its overhead budget of 0.20 s"],
          args=("--overhead-budget", "0.2")),
]


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    return project(pytester, monkeypatch)


def _spend_first_request(origin: str) -> None:
    """One request straight to the sandbox, so its every-Nth fault or its rate limit bites the suite's request."""
    httpx.post(origin + "/v1/images/generations", headers={"Authorization": f"Bearer {UPSTREAM_KEY}"},
               json={"model": "dall-e-2", "prompt": "warm up", "size": "256x256"})


@pytest.mark.parametrize("case", FAULTS, ids=[case.fault for case in FAULTS])
def test_each_upstream_fault_fails_exactly_its_check(suite: pytest.Pytester, sandbox, case: Fault) -> None:
    upstream = sandbox(**{"api_key": UPSTREAM_KEY, **case.sandbox})
    if case.sandbox.keys() - {"api_key"}:
        _spend_first_request(upstream.origin)
    with running_gateway(upstream.origin, UPSTREAM_KEY, GATEWAY_KEY, case.fault) as gateway:
        name_target(suite, "gw", gateway.origin + "/v1", ["image_url_host"])
        result, tests = run_through(suite, "gw", upstream.origin, case.node, *case.args)
    output = result.stdout.str()
    assert not errors(tests), errors(tests)
    assert failing_checks(tests) == {case.check}, output[-3000:]
    for text in case.expected:
        assert text in output, f"{text!r} not in:\n{output[-3000:]}"
    assert UPSTREAM_KEY not in output and UPSTREAM_KEY[:12] not in (suite.path / "reports" / "report.html").read_text()


@pytest.mark.parametrize(("folder", "as_of"), [("collections/legacy", "2025-06-01"), ("collections/contract", None)],
                         ids=["seed era", "today"])
def test_the_pass_through_gateway_passes_every_request_and_every_upstream_check_judged_something(
    suite: pytest.Pytester, sandbox, folder: str, as_of: str | None
) -> None:
    """Each shipped folder against an upstream serving its day, judged as of that day (so nothing is skipped)."""
    upstream = sandbox(api_key=UPSTREAM_KEY, as_of=as_of and date.fromisoformat(as_of))
    with running_gateway(upstream.origin, UPSTREAM_KEY, GATEWAY_KEY) as gateway:
        name_target(suite, "gw", gateway.origin + "/v1", ["image_url_host"])
        result, tests = run_through(suite, "gw", upstream.origin, folder, "--latency-scale", "5", "--as-of", as_of or "today")
    assert not errors(tests) and failing_checks(tests) == set(), result.stdout.str()[-4000:]
    assert tests and all(test["outcome"] == "passed" for test in tests), \
        [(test["nodeid"], test["outcome"]) for test in tests if test["outcome"] != "passed"]
    judged = {check["name"] for test in tests for check in test["checks"] if check["applicable"]}
    assert {"no_silent_retries", "request_forwarded", "response_passed_through", "response_unpadded",
            "errors_passed_through", "no_upstream_leak", "gateway_overhead", "upstream_key_used"} <= judged
    assert "imagecontract gateway overhead" in result.stdout.str()


PADDED_REQUEST = """\
requests:
  - name: generate
    path: /images/generations
    json: {model: dall-e-2, prompt: a cat, size: 256x256}
"""


def test_advisories_pass_unless_the_collection_asks_for_strict_checks(suite: pytest.Pytester, sandbox) -> None:
    (suite.path / "collections" / "lenient.yaml").write_text("name: Lenient\n" + PADDED_REQUEST)
    (suite.path / "collections" / "strict.yaml").write_text("name: Strict\nstrict_checks: true\n" + PADDED_REQUEST)
    upstream = sandbox(api_key=UPSTREAM_KEY)
    with running_gateway(upstream.origin, UPSTREAM_KEY, GATEWAY_KEY, "padding") as gateway:
        name_target(suite, "gw", gateway.origin + "/v1", ["image_url_host"])
        result, tests = run_through(suite, "gw", upstream.origin, "collections/lenient.yaml", "collections/strict.yaml")
    outcomes = {test["nodeid"]: (test["outcome"], [found["check"] for found in test["failures"] + test["advisories"]])
                for test in tests}
    assert outcomes == {"collections/lenient.yaml::generate": ("passed", ["response_unpadded"]),
                        "collections/strict.yaml::generate": ("failed", ["response_unpadded"])}
    assert result.ret == 1


def test_a_gateway_forwarding_no_correlation_id_is_matched_by_time(suite: pytest.Pytester, sandbox) -> None:
    upstream = sandbox(api_key=UPSTREAM_KEY)
    with running_gateway(upstream.origin, UPSTREAM_KEY, GATEWAY_KEY, "anonymous") as gateway:
        name_target(suite, "gw", gateway.origin + "/v1", ["image_url_host"])
        result, tests = run_through(suite, "gw", upstream.origin, GENERATE, MISSING_PROMPT)
    assert failing_checks(tests) == set(), result.stdout.str()[-3000:]
    assert [test["upstream"]["correlated_by"] for test in tests] == ["time", "time"]
    assert [test["upstream"]["attempts"] for test in tests] == [1, 1]
