"""The pytest plugin, exercised by real pytest sessions (pytester) against the sandbox."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest




@pytest.fixture
def project(make_project) -> pytest.Pytester:
    """collections/demo.yaml: the demo chain and an expected error."""
    return make_project(with_error=True)


def cassettes(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in (root / "cassettes").rglob("*.yaml"))


def test_record_then_replay_offline(project: pytest.Pytester, sandbox) -> None:
    server = sandbox()
    recorded = project.runpytest("collections", "--target", server.base_url, "--record-mode", "once")
    recorded.assert_outcomes(passed=3)
    assert cassettes(project.path) == [
        "cassettes/demo/generate-b64.yaml", "cassettes/demo/missing-prompt.yaml", "cassettes/demo/variation-url.yaml",
    ]
    requests_after_recording = server.stats()["requests"]
    replayed = project.runpytest("collections", "--target", server.base_url)
    replayed.assert_outcomes(passed=3)
    assert server.stats()["requests"] == requests_after_recording, "replay must not open a connection"
    replayed.stdout.fnmatch_lines(["*imagecontract latency*", "*generations*", "*variations*"])


def test_missing_cassette_names_the_record_command(project: pytest.Pytester) -> None:
    result = project.runpytest("collections", "-k", "missing")
    result.assert_outcomes(failed=1, deselected=2)
    result.stdout.fnmatch_lines(["*no cassette at *missing-prompt.yaml*record it with: imagecontract run --record-mode once*"])
    assert not (project.path / "cassettes" / "demo").exists()


def test_marks_select_by_endpoint_model_and_error(project: pytest.Pytester, sandbox) -> None:
    server = sandbox()
    project.runpytest("collections", "--target", server.base_url, "--record-mode", "once").assert_outcomes(passed=3)
    project.runpytest("collections", "-m", "error").assert_outcomes(passed=1, deselected=2)
    project.runpytest("collections", "-m", "generations and not error").assert_outcomes(passed=1, deselected=2)
    project.runpytest("collections", "-m", "dall_e_2", "-k", "variation").assert_outcomes(passed=1, deselected=2)


def test_invalid_collection_is_one_clear_error(project: pytest.Pytester) -> None:
    (project.path / "collections" / "demo.yaml").write_text(
        "name: Demo\nrequests:\n  - name: a\n    path: /images/generations\n    expect: {images: {size: '512'}}\n"
    )
    result = project.runpytest("collections")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*collections/demo.yaml:5: requests[[]0[]].expect.images.size: '512' does not have the expected form*"])
    assert "Traceback" not in result.stdout.str()


def test_live_fault_fails_the_affected_test_with_the_cause(project: pytest.Pytester, sandbox) -> None:
    server = sandbox(faults=["wrong-size"])
    result = project.runpytest("collections", "--target", server.base_url, "--live", "-k", "generate")
    result.assert_outcomes(failed=1, deselected=2)
    assert re.search(r"size.*256x256", result.stdout.str())
    assert not (project.path / "cassettes").exists(), "--live writes no cassette"


def test_dependent_request_is_skipped_when_its_producer_fails(project: pytest.Pytester, sandbox) -> None:
    server = sandbox(faults=["html-error"])
    result = project.runpytest("collections", "--target", server.base_url, "--live", "-rs")
    result.assert_outcomes(failed=2, skipped=1)
    result.stdout.fnmatch_lines(["*needs the image 'cat' saved by 'generate b64', which did not pass*"])


def test_changed_request_fails_with_the_difference(project: pytest.Pytester, sandbox) -> None:
    server = sandbox()
    project.runpytest("collections", "--target", server.base_url, "--record-mode", "once", "-k", "generate").assert_outcomes(
        passed=1, deselected=2
    )
    path = project.path / "collections" / "demo.yaml"
    path.write_text(path.read_text().replace("a cat, size: 256x256", "a dog, size: 256x256"))
    before = (project.path / "cassettes" / "demo" / "generate-b64.yaml").read_bytes()
    result = project.runpytest("collections", "-k", "generate")
    result.assert_outcomes(failed=1, deselected=2)
    result.stdout.fnmatch_lines(["*request changed since recording*prompt*"])
    assert (project.path / "cassettes" / "demo" / "generate-b64.yaml").read_bytes() == before


def test_unknown_variable_names_the_place(project: pytest.Pytester) -> None:
    (project.path / "collections" / "demo.yaml").write_text(
        "name: Demo\nrequests:\n  - name: a\n    path: /images/generations\n    json: {prompt: '{{promt}}'}\n"
    )
    result = project.runpytest("collections")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*demo.yaml: requests[[]0[]].json.prompt: unknown variable '{{promt}}'*"])


def test_vars_and_env_file_supply_variables(project: pytest.Pytester, sandbox) -> None:
    server = sandbox()
    (project.path / "collections" / "demo.yaml").write_text(
        "name: Demo\nrequests:\n  - name: a\n    path: /images/generations\n"
        "    json: {prompt: '{{prompt}}', n: '{{n}}', size: '{{size}}', response_format: b64_json}\n"
        "    expect: {images: {count: 2, size: '{{size}}'}}\n"
    )
    (project.path / "env.json").write_text('{"values": [{"key": "size", "value": "256x256"}, {"key": "n", "value": 1}]}')
    result = project.runpytest("collections", "--target", server.base_url, "--live",
                               "--env-file", "env.json", "--var", "prompt=a cat", "--var", "n=2")
    result.assert_outcomes(passed=1)


def test_bundled_suite_replays_green(pytester: pytest.Pytester) -> None:
    """The shipped collections and cassettes, copied into a fresh project, pass offline."""
    repo = Path(__file__).resolve().parents[2]
    for name in ("collections", "cassettes", "schemas"):
        shutil.copytree(repo / name, pytester.path / name)
    result = pytester.runpytest("collections", "-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes.get("error", 0) == 0, result.stdout.str()[-3000:]
    assert outcomes["passed"] >= 50
