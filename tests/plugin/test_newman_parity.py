"""What a Postman/Newman user expects, in real pytest sessions against the sandbox: the environment's key and
typed values, `--api-key-env` over a Postman import's `bearer_env: OPENAI_API_KEY`, the server's words on failure."""

from __future__ import annotations

import json

import pytest

KEY = "ic-newman-key-0123456789"
POSTMAN_STYLE = """\
name: Imported
defaults:
  auth: {bearer_env: OPENAI_API_KEY}
requests:
  - name: generate
    path: /images/generations
    json: {model: dall-e-2, prompt: "{{prompt}}", n: "{{numberOfImages}}", size: "{{size}}", response_format: b64_json}
    expect:
      images: {count: 2, size: 256x256}
"""


@pytest.fixture
def imported(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    (pytester.path / "collections").mkdir()
    (pytester.path / "collections" / "imported.yaml").write_text(POSTMAN_STYLE)
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "GATEWAY_KEY"):
        monkeypatch.delenv(name, raising=False)
    return pytester


def environment(values: dict[str, str]) -> str:
    return json.dumps({"name": "env", "values": [{"key": key, "value": value, "enabled": True} for key, value in values.items()]})


def test_a_postman_environment_supplies_the_key_and_text_numbers(imported: pytest.Pytester, sandbox) -> None:
    server = sandbox(api_key=KEY)
    (imported.path / "env.json").write_text(environment(
        {"OPENAI_API_KEY": KEY, "prompt": "a {{animal}}", "animal": "cat", "numberOfImages": "2", "size": "256x256"}))
    result = imported.runpytest("collections", "--live", "--target", server.base_url, "--env-file", "env.json",
                                "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert KEY not in (imported.path / "reports" / "summary.json").read_text()


def test_api_key_env_is_the_key_of_a_collection_naming_openai_api_key(imported: pytest.Pytester, sandbox,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    server = sandbox(api_key=KEY)
    monkeypatch.setenv("GATEWAY_KEY", KEY)
    args = ["collections", "--live", "--target", server.base_url, "--var", "prompt=a cat", "--var", "numberOfImages=2",
            "--var", "size=256x256", "-p", "no:cacheprovider"]
    imported.runpytest(*args, "--api-key-env", "GATEWAY_KEY").assert_outcomes(passed=1)
    refused = imported.runpytest(*args)
    refused.assert_outcomes(failed=1)
    refused.stdout.fnmatch_lines(["*no API key: set the environment variable OPENAI_API_KEY*"])


def test_an_unexpected_status_shows_the_servers_message_in_the_terminal_and_junit(imported: pytest.Pytester, sandbox) -> None:
    server = sandbox(api_key=KEY)
    (imported.path / "env.json").write_text(environment(
        {"OPENAI_API_KEY": KEY, "prompt": "a cat", "numberOfImages": "2", "size": "300x300"}))
    result = imported.runpytest("collections", "--live", "--target", server.base_url, "--env-file", "env.json",
                                "--junitxml", "junit.xml", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*[[]status_code[]] $: expected 200, got 400 (the server said: *300x300*"])
    assert "the server said: " in (imported.path / "junit.xml").read_text()


INTERRUPT_SECOND = '''
def pytest_runtest_call(item):
    if item.name == "variation url":
        raise KeyboardInterrupt
'''


def test_an_interrupted_runs_summary_names_the_tests_it_did_not_run(make_project, sandbox) -> None:
    project = make_project(with_error=True)
    project.makeconftest(INTERRUPT_SECOND)
    result = project.runpytest("collections", "--live", "--target", sandbox().base_url, "-p", "no:cacheprovider",
                               no_reraise_ctrlc=True)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    run = json.loads((project.path / "reports" / "summary.json").read_text())["run"]
    assert run["counts"]["failed"] == 0 and run["interrupted"] is True and run["complete"] is False
    assert run["not_run"] == 2
    assert run["not_run_tests"] == ["collections/demo.yaml::variation url", "collections/demo.yaml::missing prompt"]
    assert "INTERRUPTED, 2 not run" in (project.path / "reports" / "report.html").read_text()


ROW_CHAIN = """\
name: Rows
requests:
  - name: generate
    path: /images/generations
    json: {model: dall-e-2, prompt: "{{prompt}}", size: "{{size}}", n: "{{n}}", response_format: b64_json}
    save:
      picture: {image: 0}
  - name: vary
    path: /images/variations
    form:
      fields: {size: "{{size}}", response_format: b64_json}
      files:
        image: {saved: picture}
    expect:
      images: {count: 1, size: "{{size}}"}
"""


def test_iteration_data_runs_every_request_once_per_row_each_chain_in_its_row(pytester: pytest.Pytester, sandbox,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    (pytester.path / "collections").mkdir()
    (pytester.path / "collections" / "rows.yaml").write_text(ROW_CHAIN)
    (pytester.path / "rows.csv").write_text("prompt,size,n\na cat,256x256,2\na dog,512x512,1\n")
    server = sandbox(api_key=KEY)
    recorded = pytester.runpytest("collections", "--target", server.base_url, "--record-mode", "once",
                                  "--iteration-data", "rows.csv", "-p", "no:cacheprovider", "-v")
    recorded.assert_outcomes(passed=4)
    recorded.stdout.fnmatch_lines(["*rows.yaml::generate ?row 1? PASSED*", "*rows.yaml::vary ?row 1? PASSED*",
                                   "*rows.yaml::generate ?row 2? PASSED*", "*rows.yaml::vary ?row 2? PASSED*"])
    assert sorted(path.name for path in (pytester.path / "cassettes" / "rows").glob("*.yaml")) == [
        "generate-row-1.yaml", "generate-row-2.yaml", "vary-row-1.yaml", "vary-row-2.yaml"]
    only_second = pytester.runpytest("collections", "--iteration-data", "rows.csv", "-k", "vary and 2]",
                                     "-p", "no:cacheprovider", "-n", "2")
    only_second.assert_outcomes(passed=1)
    (pytester.path / "rows.json").write_text(json.dumps([{"prompt": "a cat", "size": "256x256", "n": 2}]))
    pytester.runpytest("collections", "--iteration-data", "rows.json", "-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_a_bad_iteration_data_file_is_one_line_naming_the_file_and_row(pytester: pytest.Pytester) -> None:
    (pytester.path / "collections").mkdir()
    (pytester.path / "collections" / "rows.yaml").write_text(ROW_CHAIN)
    (pytester.path / "rows.csv").write_text("prompt,size\na cat,256x256\na dog\n")
    result = pytester.runpytest("collections", "--iteration-data", "rows.csv")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: rows.csv: line 3: has 1 values for 2 columns (prompt, size)"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
