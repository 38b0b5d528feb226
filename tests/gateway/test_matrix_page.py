"""The matrix of two gateways in sandwich mode, as a browser shows it: totals, one root cause for many tests, overhead."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from browser import browser_page
from faulty_gateway import running_gateway
from imagecontract.cli.main import main
from sandwich_helpers import GATEWAY_KEY, REPO, UPSTREAM_KEY


@pytest.fixture
def suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("collections", "schemas"):
        shutil.copytree(REPO / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", GATEWAY_KEY)
    monkeypatch.setenv("IMAGECONTRACT_UPSTREAM_KEY", UPSTREAM_KEY)
    return tmp_path


def test_the_matrix_page_answers_what_breaks_behind_a_gateway(suite: Path, sandbox) -> None:
    upstream = sandbox(api_key=UPSTREAM_KEY)
    with running_gateway(upstream.origin, UPSTREAM_KEY, GATEWAY_KEY) as reference, \
            running_gateway(upstream.origin, UPSTREAM_KEY, GATEWAY_KEY, "rewrite-error-codes") as rewriting:
        code = main(["matrix", "--target", f"ref={reference.origin}/v1", "--target", f"gw={rewriting.origin}/v1",
                     "--reference", "ref", "--live", "--upstream", upstream.origin, "collections/contract/errors.yaml"])
    assert code == 1
    data = json.loads((suite / "reports" / "matrix.json").read_text())
    causes = [cause for cause in data["causes"] if cause["severity"] == "contract"]
    assert (causes[0]["target"], causes[0]["check"], causes[0]["path"]) == ("gw", "errors_passed_through", "$.error.code")
    assert causes[0]["count"] == data["totals"]["gw"]["fail"] >= 10 and data["totals"]["ref"]["fail"] == 0
    assert {cause["target"] for cause in causes} == {"gw"} and len(causes) <= 2, causes
    # Beside it, error_envelope where a collection asserts `code`: the same gateway fault, seen from the client.
    problems: list[str] = []
    with browser_page(suite / "reports" / "matrix.html", problems) as page:
        verdicts = page.locator("ul.verdicts li").all_inner_texts()
        assert verdicts[1].startswith(f"gw: {data['totals']['gw']['pass']} pass, {causes[0]['count']} fail from "
                                      f"{len(causes)} root cause")
        assert page.locator("table.totals tbody tr").count() == 2
        cause = page.locator("tr.cause.contract").first
        assert page.locator("tr.cause.contract").count() == len(causes)
        assert cause.locator("td").nth(2).inner_text() == "errors_passed_through"
        cause.locator("summary").click()
        assert cause.locator("li").count() == causes[0]["count"] and cause.locator("li").first.is_visible()
        facts = page.locator("table.capabilities .facts").all_inner_texts()
        assert facts and all("s gateway" in text and "upstream call" in text for text in facts if text.startswith("4"))
        page.screenshot(path=str(suite / "matrix.png"), full_page=True)
    assert problems == []
    assert os.environ["IMAGECONTRACT_UPSTREAM_KEY"] not in (suite / "reports" / "matrix.html").read_text()
