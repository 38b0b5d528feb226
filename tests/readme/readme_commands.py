"""The commands README.md shows: every line of its fenced `sh` blocks, and the commands of its command tables."""

from __future__ import annotations

import re
from pathlib import Path

SH_BLOCK = re.compile(r"```sh\n(.*?)```", re.S)
CODE_SPAN = re.compile(r"`([^`]+)`")
COMMAND = re.compile(r"^(?:[A-Z_]+=\S+ )*imagecontract ")


def split_comment(line: str) -> tuple[str, str]:
    """`cmd   # note` -> (`cmd`, `note`)."""
    command, _, comment = line.partition(" #")
    return command.strip(), comment.strip()


HEREDOC = re.compile(r"<<-?'?(\w+)'?")


def sh_lines(text: str) -> list[str]:
    """Each command of each fenced `sh` block (continuation lines joined), trailing comments kept; comment lines
    and the body of a here-document (data, not commands) left out."""
    lines: list[str] = []
    for block in SH_BLOCK.findall(text):
        ending = None
        for line in re.sub(r"\\\n\s*", "", block).splitlines():
            line = line.strip()
            if ending is not None:
                ending = None if line == ending else ending
                continue
            if line and not line.startswith("#"):
                lines.append(line)
                found = HEREDOC.search(split_comment(line)[0])
                ending = found.group(1) if found else None
    return lines


def table_commands(text: str) -> list[str]:
    """The `imagecontract ...` code spans of every table whose header names a `command` column."""
    commands, in_command_table, previous = [], False, ""
    for line in text.splitlines():
        if line.startswith("|") and not previous.startswith("|"):
            in_command_table = "| command |" in line or line.endswith("| command |")
        elif line.startswith("|") and in_command_table:
            commands.extend(span for span in CODE_SPAN.findall(line) if COMMAND.match(span))
        previous = line
    return commands


def readme_commands(readme: Path) -> list[str]:
    """Every command the README shows, without its comment, in order, each once."""
    text = readme.read_text(encoding="utf-8")
    found = [split_comment(line)[0] for line in sh_lines(text)] + table_commands(text)
    return list(dict.fromkeys(found))


def expected_exit(readme: Path, command: str, occurrence: int = 0) -> int:
    """The exit code the `occurrence`-th fenced line of `command` promises in its comment (`# exit 1: ...`), else 0."""
    comments = [comment for found, comment in map(split_comment, sh_lines(readme.read_text(encoding="utf-8")))
                if found == command]
    match = re.match(r"exit (\d+)", comments[occurrence]) if occurrence < len(comments) else None
    return int(match.group(1)) if match else 0
