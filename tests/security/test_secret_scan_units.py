"""The secret scanner and `imagecontract scan-secrets`: what counts as a find, where, and the exit codes.

Keys are built at run time: a key-shaped literal in a committed file is itself what the scanner flags.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from imagecontract.cli.main import main
from imagecontract.redact import MASK, mask_key
from imagecontract.secret_scan import ScanError, Secret, scan_paths, scan_text


def new_key(prefix: str = "sk-") -> str:
    return prefix + secrets.token_urlsafe(30).replace("-", "x")


KEY = new_key()
SECRET = Secret(KEY, "the key of $OPENAI_API_KEY")
SHOWN = len(mask_key(KEY).split(MASK)[0])
"""Characters of the key its masked form shows (6): the most any file may hold."""


def kinds(text: str, *given: Secret) -> list[str]:
    return [find.kind for find in scan_text(text, "f", list(given))]


def test_the_prefix_rule_is_exact_at_the_masked_form() -> None:
    assert SHOWN == 6
    assert kinds(f"x {KEY[:SHOWN]} y", SECRET) == []
    assert kinds(f"x {KEY[:SHOWN + 1]} y", SECRET) == ["a 7-character prefix of the key of $OPENAI_API_KEY"]
    assert kinds(f"x {mask_key(KEY)} y", SECRET) == [], "the masked form itself is no leak"


def test_the_whole_key_and_longer_prefixes_are_named_by_length() -> None:
    assert kinds(f"{KEY}\n{KEY[:20]}*", SECRET) == ["the key of $OPENAI_API_KEY", "a 20-character prefix of the key of $OPENAI_API_KEY"]


def test_a_public_kind_prefix_is_not_a_leak() -> None:
    project_key = new_key("sk-proj-")
    given = Secret(project_key, "k")
    assert kinds("sk-proj-********abcd", given) == []
    assert kinds(project_key[:9], given) == ["a 9-character prefix of k"]


@pytest.mark.parametrize(("text", "kind"), [
    ("token: {sk}", "an sk- shaped key"),
    ("{proj}", "an sk-proj- shaped key"),
    ("api-key: ['{hex}']", "an Azure-style api-key value"),
    ('"API_KEY"="{hex}"', "an Azure-style api-key value"),
    ("Authorization: Bearer {token}", "a Bearer token"),
])
def test_key_shapes_are_found_without_a_given_key(text: str, kind: str) -> None:
    filled = text.format(sk=new_key(), proj=new_key("sk-proj-"), hex=secrets.token_hex(16), token=secrets.token_urlsafe(24))
    assert kinds(filled) == [kind]


@pytest.mark.parametrize("text", [
    "cassettes/contract/edits/dall-e-2-mask-b64_json-512x512-with-a-long-tail.yaml",
    "Authorization: Bearer YOUR_KEY", "Bearer [redacted]", "blobs/" + "0" * 32 + ".png",
    "sk-short", "api-key: [redacted]",
])
def test_ordinary_text_is_not_key_shaped(text: str) -> None:
    assert kinds(text) == []


def test_a_given_key_is_one_find_not_also_a_shape() -> None:
    assert kinds(f"Bearer {KEY}", SECRET) == ["the key of $OPENAI_API_KEY"]


def test_excerpts_never_carry_the_secret_and_mask_every_find_nearby() -> None:
    other = new_key()
    (first, second) = scan_text(f"{KEY} and {other[:12]} end", "f", [SECRET, Secret(other, "other")])
    for find in (first, second):
        assert KEY[:SHOWN + 1] not in find.excerpt and other[:SHOWN + 1] not in find.excerpt
    assert first.excerpt == f"{KEY[:SHOWN]}{MASK} and {other[:SHOWN]}{MASK} end"
    assert str(first) == f"f:1: the key of $OPENAI_API_KEY ({first.excerpt})"


def test_files_binary_or_text_give_line_numbers(tmp_path: Path) -> None:
    (tmp_path / "clean.txt").write_text("nothing here\n" * 50)
    (tmp_path / "blob.bin").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\n" + KEY[:10].encode() + b"\x00\xfe")
    (tmp_path / "log.txt").write_text(f"one\ntwo\nHTTP Request: POST http://h/v1?key={KEY} 200\n")
    result = scan_paths([tmp_path], [SECRET], shapes=False)
    assert result.files == 3 and result.unreadable == []
    assert [(Path(find.path).name, find.line, find.kind) for find in result.finds] == [
        ("blob.bin", 4, "a 10-character prefix of the key of $OPENAI_API_KEY"),
        ("log.txt", 3, "the key of $OPENAI_API_KEY"),
    ]
    assert all(KEY[:SHOWN + 1] not in find.excerpt for find in result.finds)


def test_skipped_and_excluded_places_are_not_read(tmp_path: Path) -> None:
    for place in (".git/config", ".venv/lib/x.py", "node_modules/a/b.js", "tests/fixtures/key.txt", "notes.md"):
        (tmp_path / place).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / place).write_text(KEY)
    result = scan_paths([tmp_path], [SECRET], exclude=["tests/fixtures/*", "*.md"])
    assert (result.files, result.finds) == (0, [])
    assert len(scan_paths([tmp_path / "notes.md"], [SECRET]).finds) == 1


def test_a_missing_path_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ScanError, match="nope: no such file or directory"):
        scan_paths([tmp_path, tmp_path / "nope"])


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "summary.json").write_text('{"headers": {"Authorization": "[redacted]"}}\n')
    return tmp_path


def test_cli_clean_exits_0(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    assert main(["scan-secrets", "reports"]) == 0
    assert capsys.readouterr().out == "scan-secrets: no finds in 1 file\n"


def test_cli_find_exits_1_with_one_line_per_find(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GATEWAY_KEY", KEY)
    (repo / "reports" / "run.log").write_text(f"first\nIncorrect API key provided: {KEY[:16]}***.\n")
    assert main(["scan-secrets", "reports", "--key-env", "GATEWAY_KEY"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"{Path('reports/run.log')}:2: a 16-character prefix of the key of $GATEWAY_KEY "
        f"(rrect API key provided: {KEY[:SHOWN]}{MASK}***.)",
        "scan-secrets: 1 find in 1 of 2 files",
    ]
    assert KEY[:SHOWN + 1] not in out


def test_cli_uses_openai_api_key_by_default(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "reports" / "note.txt").write_text(f"prefix {KEY[:8]}")
    assert main(["scan-secrets", "reports"]) == 0, "without a key, an 8-character prefix is not key-shaped"
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    assert main(["scan-secrets", "reports"]) == 1


def test_cli_finds_key_shapes_with_no_key_set(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "reports" / "cassette.yaml").write_text(f"headers:\n  Authorization: [Bearer {secrets.token_hex(20)}]\n")
    assert main(["scan-secrets", "reports"]) == 1
    assert ": a Bearer token (" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "message"), [
    (["scan-secrets", "reports", "missing.xml"], "missing.xml: no such file or directory"),
    (["scan-secrets", "reports", "--key-env", "NOT_SET_ANYWHERE"], "--key-env NOT_SET_ANYWHERE: the variable is not set"),
    (["scan-secrets", "reports", "--key-env", "SHORT_KEY"], "the key of $SHORT_KEY: 6 characters is too short"),
])
def test_cli_bad_arguments_exit_2_saying_which(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    monkeypatch.setenv("SHORT_KEY", "abcdef")
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_cli_a_short_default_key_only_narrows_the_scan(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "any")
    assert main(["scan-secrets", "reports"]) == 0
    assert "too short to scan for" in capsys.readouterr().err
