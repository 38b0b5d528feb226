"""`imagecontract matrix` against real sandboxes: itself all pass; a deviation in the right cell with its reason."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from imagecontract.cli.main import main

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
    assert main(["matrix", "--target", f"a={url}", "--target", f"b={url}", "--reference", "a", "--live", "-k", "variations and not retired"]) == 0
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


def test_matrix_against_every_deviation_fault_shows_each_in_its_cell(suite: Path, sandbox) -> None:
    """One column per deviation fault, each a sandbox with that fault; every deviation fails its own request's cell.

    Twenty-one pytest processes share two cores here, so the seed's latency budgets stay unscaled: a tightened
    budget made the reference column fail on load alone.
    """
    from deviations import DEVIATIONS, WRONG_KEY

    reference = sandbox(api_key=KEY).base_url
    columns = {deviation.fault.replace("=", "-"): deviation for deviation in DEVIATIONS}
    targets = [f"{name}={sandbox(api_key=KEY, faults=[deviation.fault], **deviation.sandbox).base_url}"
               for name, deviation in columns.items()]
    nodes = sorted({f"collections/{deviation.node}" for deviation in DEVIATIONS})
    main(["matrix", "--target", f"reference={reference}", *[arg for target in targets for arg in ("--target", target)],
          "--reference", "reference", "--live", "--var", f"wrong_key={WRONG_KEY}", *nodes])
    rows = {row["nodeid"]: row for row in json.loads((suite / "reports" / "matrix.json").read_text())["rows"]}
    assert set(rows) == set(nodes)
    assert all(row["cells"]["reference"]["verdict"] == "pass" for row in rows.values())
    for name, deviation in columns.items():
        cell = rows[f"collections/{deviation.node}"]["cells"][name]
        advisory = "--strict-checks" in deviation.args
        assert cell["verdict"] == ("advisory" if advisory else "fail"), (name, cell)
        for text in deviation.expected:
            assert text in cell["reason"], (name, text, cell["reason"])
    assert WRONG_KEY[:7] not in (suite / "reports" / "matrix.html").read_text()


def test_a_second_matrix_never_reuses_the_previous_runs_data(suite: Path, sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    url = sandbox(api_key=KEY).base_url
    assert main(["matrix", "--target", f"a={url}", "--live", "-k", "variations and not error"]) == 0
    assert (suite / "reports" / "a" / "summary.json").is_file()
    assert main(["matrix", "--target", f"a={url}", "--live", "--var", "not an assignment"]) == 2
    printed = capsys.readouterr()
    assert "target 'a' wrote no summary" in printed.err and "matrix: running 1 targets" in printed.out
    assert not (suite / "reports" / "a" / "summary.json").exists()
    assert json.loads((suite / "reports" / "matrix.json").read_text())["rows"] == []
