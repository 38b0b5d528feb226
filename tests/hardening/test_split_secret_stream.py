"""A gateway that sends a bearer token back split across two stream events: the run fails `no_secret_echo`,
and nothing it wrote or printed (cassette, report, summary, JUnit, log, terminal) holds 8 of the token's
characters in a row. The token is made at run time, shaped like a 126-character JWT."""

from __future__ import annotations

import base64
import secrets
from typing import Callable

import pytest
from raw_http import RawServer, Script, events_carrying
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
    given = [Secret(token, "the token")]
    finds = scan_text("\n".join(lines), "<terminal>", given, shapes=False)
    finds += scan_paths([project.path], given, exclude=["collections"], shapes=False).finds
    assert not finds, "\n".join(map(str, finds))
