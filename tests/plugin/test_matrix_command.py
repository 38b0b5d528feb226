"""`imagecontract matrix` against real sandboxes: itself all pass; a deviation in the right cell with its reason."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from imagecontract.cli import main

REPO = Path(__file__).resolve().parents[2]
KEY = "ic-matrix-test-key-0123456789"


@pytest.fixture
def suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("collections", "schemas"):
        shutil.copytree(REPO / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    return tmp_path


def test_sandbox_against_itself_is_all_pass(suite: Path, sandbox) -> None:
    url = sandbox(api_key=KEY).base_url
    assert main(["matrix", "--target", f"a={url}", "--target", f"b={url}", "--reference", "a", "--live", "-k", "variations"]) == 0
    data = json.loads((suite / "reports" / "matrix.json").read_text())
    assert data["rows"] and all(cell["verdict"] == "pass" for row in data["rows"] for cell in row["cells"].values())
    assert (suite / "reports" / "a" / "report.html").is_file() and (suite / "reports" / "matrix.html").is_file()


def test_a_deviation_lands_in_its_cell_with_the_reason(suite: Path, sandbox) -> None:
    reference, gateway = sandbox(api_key=KEY).base_url, sandbox(api_key=KEY, faults=["no-variations"]).base_url
    code = main(["matrix", "--target", f"openai={reference}", "--target", f"gw={gateway}", "--reference", "openai",
                 "--live", "-k", "variations and not error"])
    assert code == 1
    rows = json.loads((suite / "reports" / "matrix.json").read_text())["rows"]
    assert rows and all(row["cells"]["openai"]["verdict"] == "pass" for row in rows)
    assert all(row["cells"]["gw"]["verdict"] == "fail" and "expected 200, got 404" in row["cells"]["gw"]["reason"] for row in rows)
    assert all(row["differs_from_reference"] == ["gw"] for row in rows)
    assert "FAIL ([status_code]" in (suite / "reports" / "matrix.md").read_text()
