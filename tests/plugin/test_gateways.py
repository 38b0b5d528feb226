"""Gateway deviations: each sandbox fault that imitates a non-conforming gateway fails a shipped request,
named by the check that caught it. One row per fault, as `imagecontract serve --list-faults` names them."""

from __future__ import annotations

import shutil

import pytest

from deviations import DEVIATIONS, KEY, REPO, WRONG_KEY, Deviation


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ("collections", "schemas"):
        shutil.copytree(REPO / name, pytester.path / name)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    return pytester


@pytest.mark.parametrize("deviation", DEVIATIONS, ids=[deviation.fault for deviation in DEVIATIONS])
def test_each_gateway_deviation_fails_its_request_with_the_check_that_caught_it(
    suite: pytest.Pytester, sandbox, deviation: Deviation
) -> None:
    server = sandbox(api_key=KEY, faults=[deviation.fault], **deviation.sandbox)
    node = f"collections/{deviation.node}"
    result = suite.runpytest(node, "--target", server.base_url, "--live", "--latency-scale", "0.1",
                             "-p", "no:cacheprovider", *deviation.args)
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    for text in deviation.expected:
        assert text in output, f"{deviation.fault}: {text!r} not in failure output:\n{output[-3000:]}"
    assert "Traceback" not in output
    assert WRONG_KEY not in output and WRONG_KEY[:12] not in output, "a failure report leaks the echoed key"
    assert KEY not in output
    for written in (suite.path / "reports").iterdir():
        text = written.read_text(encoding="utf-8", errors="replace")
        assert WRONG_KEY[:12] not in text and KEY not in text, f"{written.name} leaks a key"


SPECIAL = [deviation for deviation in DEVIATIONS if deviation.sandbox or deviation.args]


@pytest.mark.parametrize("deviation", SPECIAL, ids=[deviation.fault for deviation in SPECIAL])
def test_the_same_request_passes_without_the_fault(suite: pytest.Pytester, sandbox, deviation: Deviation) -> None:
    """The control: what fails above is the fault, not the request. (Rows run as shipped are covered by
    test_live_suite's all-green run; these are the ones run with other variables or sandbox settings.)"""
    server = sandbox(api_key=KEY, **deviation.sandbox)
    result = suite.runpytest(f"collections/{deviation.node}", "--target", server.base_url, "--live",
                             "--latency-scale", "0.1", "-p", "no:cacheprovider", *deviation.args)
    result.assert_outcomes(passed=1)
