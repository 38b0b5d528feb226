"""Pieces of a user project for real pytest sessions: files, in-process stand-ins, and what to check afterwards."""

from __future__ import annotations

import fnmatch
import hashlib
from pathlib import Path

import pytest

NO_DNS_CONFTEST = '''
import socket

_REAL = socket.getaddrinfo


def _resolver_fails(host, *args, **kwargs):
    """The resolver's own error for every name but the loopback: no name is ever looked up."""
    if host in ("127.0.0.1", "localhost", b"127.0.0.1"):
        return _REAL(host, *args, **kwargs)
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def pytest_configure(config):
    socket.getaddrinfo = _resolver_fails


def pytest_unconfigure(config):
    socket.getaddrinfo = _REAL
'''
"""A user project's conftest that makes every DNS lookup of the session fail in-process."""

SMALL_BODY_CAP_CONFTEST = '''
import imagecontract.run.http

_REAL = imagecontract.run.http.MAX_BODY_BYTES


def pytest_configure(config):
    imagecontract.run.http.MAX_BODY_BYTES = 1024 * 1024


def pytest_unconfigure(config):
    imagecontract.run.http.MAX_BODY_BYTES = _REAL
'''
"""A user project's conftest that lowers the engine's body cap to 1 MB, so cutting an endless body is quick."""


def tree_digest(root: Path) -> dict[str, str]:
    """SHA-256 of every file under `root` by relative path (empty when `root` does not exist)."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*")) if path.is_file()
    }


def output_of(result: pytest.RunResult) -> list[str]:
    """Every line the session printed, stdout then stderr (usage errors go to stderr)."""
    return result.outlines + result.errlines


def unmatched(lines: list[str], expected: tuple[str, ...]) -> list[str]:
    """The expected patterns no line matches. A pattern is a substring with `*` wildcards;
    `[` `]` `?` are literal, as they are in locations such as `requests[0]` and in hints."""
    def pattern(text: str) -> str:
        return "*" + text.replace("[", "[[]").replace("?", "[?]") + "*"

    return [text for text in expected if not any(fnmatch.fnmatchcase(line, pattern(text)) for line in lines)]


def assert_clean_output(lines: list[str]) -> None:
    """No Python traceback and no frame from an installed library in what the user sees."""
    text = "\n".join(lines)
    assert "Traceback" not in text, text[-3000:]
    assert "site-packages/" not in text, text[-3000:]
