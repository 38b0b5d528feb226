"""Canary keys through real pytest sessions: every mode, passing and failing tests, echoing targets,
verbose output, xdist. After each session every file it wrote and everything it printed is scanned:
no canary, and no prefix of one longer than the masked form, may show anywhere.

The canaries are made at run time (a key-shaped literal in a committed file would itself be a leak).
"""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass
from functools import partial

import pytest

from imagecontract.secret_scan import Secret, scan_paths, scan_text

COLLECTION = """\
name: Canary
defaults:
  headers:
    OpenAI-Organization: "{{CANARY_ORG}}"
    OpenAI-Project: "{{CANARY_PROJECT}}"
    Cookie: "session={{CANARY_COOKIE}}"
    api-key: "{{CANARY_AZURE_KEY}}"
requests:
  - name: generate passes
    path: "/images/generations?api-key={{OPENAI_API_KEY}}"
    json: {model: dall-e-2, prompt: a cat, size: 256x256, response_format: b64_json, user: "{{OPENAI_API_KEY}}"}
    expect:
      images: {count: 1, format: png, size: 256x256}
  - name: variation passes
    path: /images/variations
    form:
      fields: {size: 256x256, user: "{{OPENAI_API_KEY}}"}
      files:
        image: {png: 256x256}
  - name: generate fails
    path: "/images/generations?key={{OPENAI_API_KEY}}&api-key={{CANARY_AZURE_KEY}}"
    json: {model: dall-e-2, prompt: a dog, size: 256x256, user: "{{OPENAI_API_KEY}}"}
    expect:
      images: {count: 1, size: 512x512}
      fields:
        created: "{{OPENAI_API_KEY}}"
  - name: wrong key echoed
    auth: {bearer_env: CANARY_WRONG_KEY}
    path: /images/generations
    json: {model: dall-e-2, prompt: a cow, size: 256x256}
    expect:
      status: 401
"""
"""Every place a key can ride: the bearer header, `api-key`, organisation, project and cookie headers,
query strings, a JSON field, a multipart field, a failing expectation that quotes the key, and a
wrong key the target echoes back."""

SENT_HEADERS = ("Authorization", "OpenAI-Organization", "OpenAI-Project", "Cookie", "api-key")

OUTCOMES = {"passed": 2, "failed": 2}
"""`generate fails` fails its image and field checks; `wrong key echoed` fails `no_secret_echo`."""
REPLAYED_OUTCOMES = {"passed": 3, "failed": 1}
"""On replay the echo is gone (the cassette holds `[redacted]`), so `wrong key echoed` passes."""

VERBOSE = ("-vv", "--tb=long", "-rA", "--log-level=DEBUG", "--log-file=logs/run.log", "--log-file-level=DEBUG")
ECHO_FAULTS = {"echo-key": "all of the", "echo-key-prefix": "the first 16 of the"}
"""Each echoing fault and how `no_secret_echo` words what it echoed (proof the echo really happened)."""
ECHO_PIECES = {"echo-key-suffix": "echoes 16 of the", "echo-key-middle": "echoes 12 of the",
               "echo-key-header": "echoes 14 of the", "echo-key-upper": "echoes all of the",
               "echo-key-base64": "characters of secret 1 of 2 in base64"}
"""Echoes of a piece or another spelling of the key: each caught, and none of it written anywhere."""


FAST_START = ("-p", "no:hypothesispytest", "-p", "no:anyio", "--assert=plain")
"""What each session would do for nothing: load hypothesis and anyio, and rewrite the asserts of the plugin
modules it imports (again in every session: in-process runs drop them after, and no bytecode is kept)."""


def canary(prefix: str = "sk-canary-", alphabet: str = string.ascii_letters + string.digits, length: int = 32) -> str:
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


@dataclass(frozen=True)
class Canaries:
    key: str
    wrong_key: str
    values: dict[str, str]
    """Environment variable -> canary, for all of them."""

    def as_secrets(self) -> list[Secret]:
        return [Secret(value, f"${name}") for name, value in self.values.items()]


@pytest.fixture
def canaries(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Canaries:
    """A project with the canary collection, and fresh canaries in the environment it runs in."""
    values = {
        "OPENAI_API_KEY": canary(),
        "CANARY_WRONG_KEY": canary("sk-wrong-canary-"),
        "CANARY_ORG": canary("org-"),
        "CANARY_PROJECT": canary("proj_"),
        "CANARY_COOKIE": canary("", length=40),
        "CANARY_AZURE_KEY": canary("", "0123456789abcdef"),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    (pytester.path / "collections").mkdir()
    (pytester.path / "collections" / "canary.yaml").write_text(COLLECTION)
    return Canaries(values["OPENAI_API_KEY"], values["CANARY_WRONG_KEY"], values)


def run_and_scan(pytester: pytest.Pytester, canaries: Canaries, target: str, *args: str,
                 outcomes: dict[str, int] = OUTCOMES, subprocess: bool = False) -> dict:
    """One session; asserts its outcomes, then that nothing it wrote or printed holds a canary.

    Returns summary.json, for the caller's proof that the leak paths were really taken.
    """
    run = partial(pytester.runpytest_subprocess, timeout=120) if subprocess else pytester.runpytest_inprocess
    result = run(*FAST_START, "collections", "--target", target, "-p", "no:cacheprovider", "--junitxml", "junit.xml", *args)
    printed = result.stdout.str() + "\n" + result.stderr.str()
    assert {name: result.parseoutcomes().get(name, 0) for name in outcomes} == outcomes, printed[-4000:]
    for written in ("reports/report.html", "reports/summary.json", "junit.xml"):
        assert (pytester.path / written).stat().st_size > 0, f"{written} was not written"
    finds = scan_text(printed, "<terminal>", canaries.as_secrets())
    finds += scan_paths([pytester.path], canaries.as_secrets(), exclude=["collections"]).finds
    assert not finds, "\n".join(map(str, finds))
    summary = json.loads((pytester.path / "reports" / "summary.json").read_text())
    assert_sent_and_redacted(summary)
    return summary


def assert_sent_and_redacted(summary: dict) -> None:
    """The canaries really went out, in every place the collection puts them, and came back `[redacted]`."""
    records = {test["request"]: test["exchange"]["request"] for test in summary["tests"]}
    sent = records["generate passes"]
    assert {name: sent["headers"][name] for name in SENT_HEADERS} == dict.fromkeys(SENT_HEADERS, "[redacted]")
    assert sent["url"].endswith("?api-key=[redacted]") and sent["body"]["json"]["user"] == "[redacted]"
    assert records["variation passes"]["body"]["fields"]["user"] == "[redacted]"
    assert records["generate fails"]["url"].endswith("?key=[redacted]&api-key=[redacted]")


def assert_echo_caught(summary: dict, fault: str) -> None:
    """The target really echoed the wrong key, and the suite said so (redacted)."""
    record = next(test for test in summary["tests"] if test["request"] == "wrong key echoed")
    reasons = [failure["reason"] for failure in record["failures"] if failure["check"] == "no_secret_echo"]
    assert reasons and {**ECHO_FAULTS, **ECHO_PIECES}[fault] in reasons[0], record["failures"]


MODES = {
    "replay": [["--record-mode", "once"], ["--record-mode", "none"]],
    "record-all": [["--record-mode", "all"]],
    "live": [["--live"]],
}
"""Each mode as its sessions: replay records (`once`) first, then replays with the key set."""


@pytest.mark.parametrize("fault", ECHO_FAULTS)
@pytest.mark.parametrize("mode", MODES)
def test_no_canary_in_any_artifact(pytester: pytest.Pytester, canaries: Canaries, sandbox, mode: str, fault: str) -> None:
    """In-process sessions (the terminal is still captured whole); the log file gets every DEBUG line."""
    server = sandbox(api_key=canaries.key, faults=[fault])
    for session in MODES[mode]:
        replayed = session[-1] == "none"
        summary = run_and_scan(pytester, canaries, server.base_url, *session, *VERBOSE,
                               outcomes=REPLAYED_OUTCOMES if replayed else OUTCOMES)
        if not replayed:
            assert_echo_caught(summary, fault)
    assert "HTTP Request: POST" in (pytester.path / "logs" / "run.log").read_text(), "the log was written and scanned"
    cassettes = pytester.path / "cassettes"
    assert len(list(cassettes.rglob("*.yaml"))) == (0 if mode == "live" else 4)
    assert mode == "live" or any(cassettes.rglob("blobs/*.png")), "side files were written and scanned"


@pytest.mark.parametrize("fault", ECHO_PIECES)
def test_no_piece_of_a_canary_in_any_artifact(pytester: pytest.Pytester, canaries: Canaries, sandbox, fault: str) -> None:
    """A recording session (cassettes, report, summary, JUnit, log, terminal) against a target echoing a piece,
    the upper case or the base64 of the wrong key; the scan after it looks for every piece in every spelling."""
    server = sandbox(api_key=canaries.key, faults=[fault])
    summary = run_and_scan(pytester, canaries, server.base_url, "--record-mode", "all", *VERBOSE)
    assert_echo_caught(summary, fault)
    assert len(list((pytester.path / "cassettes").rglob("*.yaml"))) == 4


def test_no_canary_in_a_real_terminal(pytester: pytest.Pytester, canaries: Canaries, sandbox) -> None:
    """A separate process, as a user runs it, with live DEBUG logs printed to its terminal."""
    server = sandbox(api_key=canaries.key, faults=["echo-key-prefix"])
    summary = run_and_scan(pytester, canaries, server.base_url, "--live", "-vv", "--tb=long", "-rA",
                           "--log-cli-level=DEBUG", subprocess=True)
    assert_echo_caught(summary, "echo-key-prefix")


def test_no_canary_with_xdist(pytester: pytest.Pytester, canaries: Canaries, sandbox) -> None:
    """Two workers recording: cassettes and reports are written from other processes, then merged."""
    server = sandbox(api_key=canaries.key, faults=["echo-key"])
    summary = run_and_scan(pytester, canaries, server.base_url, "--record-mode", "all", "-n", "2", "-vv", "-rA",
                           subprocess=True)
    assert_echo_caught(summary, "echo-key")
    assert len(list((pytester.path / "cassettes").rglob("*.yaml"))) == 4


def test_scan_finds_a_planted_canary(pytester: pytest.Pytester, canaries: Canaries) -> None:
    """The matrix's scan is not blind: a prefix planted in a side file and in printed text is found."""
    blobs = pytester.path / "cassettes" / "blobs"
    blobs.mkdir(parents=True)
    (blobs / "planted.bin").write_bytes(b"\x89PNG\x00" + canaries.wrong_key[:9].encode() + b"\xff")
    found = scan_paths([pytester.path], canaries.as_secrets(), exclude=["collections"]).finds
    assert [find.kind for find in found] == ["a 9-character prefix of $CANARY_WRONG_KEY"]
    assert scan_text(f"E   x: {canaries.key}", "<terminal>", canaries.as_secrets())[0].kind == "$OPENAI_API_KEY"
