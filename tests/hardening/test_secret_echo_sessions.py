"""Gateways that send a secret back in shapes a prefix check misses, through real recording sessions: a bearer
token split across two stream events, and the gateway's own upstream key (named with `--secret-env`). The run
fails `no_secret_echo`, and nothing it wrote or printed (cassette, report, summary, JUnit, log, terminal) holds
8 of the secret's characters in a row. Secrets are made at run time (the token shaped like a 126-character JWT)."""

from __future__ import annotations

import base64
import secrets
from typing import Callable

import pytest
from raw_http import RawServer, Script, events_carrying, json_answer
from user_project import output_of

from imagecontract.secret_scan import Secret, scan_paths, scan_text

COLLECTION = """\
name: Demo
requests:
  - name: generate
    path: /images/generations
    auth: {bearer: "{{token}}"}
    json: {model: gpt-image-1, prompt: a cat, stream: true, partial_images: 2}
"""


def test_a_token_split_across_events_is_caught_and_written_nowhere(
    make_project: Callable[..., pytest.Pytester], raw_server: Callable[[Script], RawServer],
) -> None:
    token = ".".join(base64.urlsafe_b64encode(secrets.token_bytes(size)).decode().rstrip("=") for size in (27, 39, 27))
    project = make_project()
    (project.path / "collections" / "demo.yaml").write_text(COLLECTION)
    server = raw_server(events_carrying(token[:63], token[63:]))

    result = project.runpytest_subprocess(
        "collections", "-p", "no:cacheprovider", "--target", server.url, "--record-mode", "all", "--var", f"token={token}",
        "-vv", "-rA", "--junitxml", "junit.xml", "--log-file", "logs/run.log", "--log-file-level", "DEBUG", timeout=120)

    lines = output_of(result)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, "\n".join(lines[-40:])
    assert any("[no_secret_echo] events[*].delta (joined): echoes all of the 126 characters" in line for line in lines)
    assert list((project.path / "cassettes").rglob("*.yaml")), "the cassette was written and scanned"
    assert_nothing_holds(project, lines, Secret(token, "the token"))


def assert_nothing_holds(project: pytest.Pytester, lines: list[str], secret: Secret) -> None:
    finds = scan_text("\n".join(lines), "<terminal>", [secret], shapes=False)
    finds += scan_paths([project.path], [secret], exclude=["collections"], shapes=False).finds
    assert not finds, "\n".join(map(str, finds))


def test_an_upstream_key_named_with_secret_env_is_caught_and_written_nowhere(
    make_project: Callable[..., pytest.Pytester], raw_server: Callable[[Script], RawServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    upstream = "up-" + secrets.token_urlsafe(32)
    monkeypatch.setenv("GATEWAY_UPSTREAM_KEY", upstream)
    project = make_project()
    (project.path / "collections" / "demo.yaml").write_text(COLLECTION.replace('    auth: {bearer: "{{token}}"}\n', ""))
    envelope = {"message": f"upstream rejected key ...{upstream[-20:]}", "type": "invalid_request_error",
                "param": None, "code": "upstream_error"}
    server = raw_server(json_answer({"error": envelope}, status=502))

    result = project.runpytest_subprocess(
        "collections", "-p", "no:cacheprovider", "--target", server.url, "--record-mode", "all",
        "--secret-env", "GATEWAY_UPSTREAM_KEY", "-rA", "--log-file", "logs/run.log", "--log-file-level", "DEBUG", timeout=120)

    lines = output_of(result)
    assert any("[no_secret_echo] $.error.message: echoes 20 of the" in line for line in lines), "\n".join(lines[-30:])
    assert_nothing_holds(project, lines, Secret(upstream, "the upstream key"))
