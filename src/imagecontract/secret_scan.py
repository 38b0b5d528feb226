"""Finding secrets in written files: the check a CI runs after the suite, trusting no redaction.

Two kinds of find. A given secret (the run's API key) counts when it appears
whole or as any prefix longer than its masked form shows (`redact.mask_key`
shows the first six characters; a key-kind prefix such as `sk-proj-` tells
nothing, so it may show too, as in the `no_secret_echo` check). And a string
shaped like a key counts even when no key is given: `sk-...`, an Azure-style
32-hex `api-key` value, a long `Bearer` token.

Files are read as bytes, so binary side files are scanned too; each byte is
one character (latin-1), so offsets and lines hold in any file. A find never
carries the secret: its excerpt shows only what the masked form would.
"""

from __future__ import annotations

import fnmatch
import os
import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence

from imagecontract.errors import ScanError
from imagecontract.redact import MASK, allowed_prefix, find_leaks, leak_words

SKIPPED_DIRS = frozenset({".git", ".venv", "node_modules"})
"""Directories never entered: history, installed packages, not what a run writes."""

KEY_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an sk-proj- shaped key", re.compile(r"(?<![\w-])sk-proj-[A-Za-z0-9_-]{20,}")),
    ("an sk- shaped key", re.compile(r"(?<![\w-])sk-[A-Za-z0-9_-]{20,}")),
    ("an Azure-style api-key value", re.compile(r"(?i)api[-_]?key[\"']?\s*[:=][\s\"'\[]*(?P<key>[0-9a-f]{32})(?![0-9a-f])")),
    ("a Bearer token", re.compile(r"\bBearer\s+(?P<key>[A-Za-z0-9._~+/-]{20,}=*)")),
)
"""(kind, pattern) of strings that look like credentials; a `key` group marks the secret part of the match."""

CONTEXT_CHARS = 24
"""Characters shown on each side of a find, with every find in them masked."""


@dataclass(frozen=True)
class Secret:
    """A value to look for, and how a find names it (`the key of $OPENAI_API_KEY`)."""

    value: str
    label: str


@dataclass(frozen=True)
class Find:
    """One place a secret shows: `excerpt` is masked, so printing a find leaks nothing."""

    path: str
    line: int
    kind: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind} ({self.excerpt})"


@dataclass(frozen=True)
class ScanResult:
    """What a scan saw: the finds, how many files it read, and those it could not (which a gate must not pass)."""

    finds: list[Find]
    files: int
    unreadable: list[str]


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    kind: str
    shown: int
    """Leading characters of the span the excerpt may show."""


def secret_from_env(name: str, environ: Mapping[str, str]) -> Secret:
    """The key in environment variable `name`; ScanError when it is unset or too short to look for."""
    value = environ.get(name, "")
    if not value:
        raise ScanError(f"--key-env {name}: the variable is not set; export it, or leave out --key-env to look for key shapes only")
    return checked(Secret(value, f"the key of ${name}"))


def checked(secret: Secret) -> Secret:
    """`secret` when a prefix of it longer than the masked form can exist; a shorter one would match everywhere."""
    if len(secret.value) <= allowed_prefix(secret.value):
        raise ScanError(f"{secret.label}: {len(secret.value)} characters is too short to scan for "
                        f"(more than {allowed_prefix(secret.value)} are needed)")
    return secret


def scan_text(text: str, path: str, secrets: Sequence[Secret] = (), *, shapes: bool = True) -> list[Find]:
    """Every find in `text` (captured output, or a file's bytes as `scan_file` reads them), named after `path`."""
    spans = _secret_spans(text, secrets)
    if shapes:
        spans += [span for span in _shape_spans(text) if not any(_overlap(span, taken) for taken in spans)]
    if not spans:
        return []
    spans.sort(key=lambda span: span.start)
    line_starts = [0] + [match.end() for match in re.finditer("\n", text)]
    return [Find(path, bisect_right(line_starts, span.start), span.kind, _excerpt(text, span, spans)) for span in spans]


def scan_file(path: Path, secrets: Sequence[Secret] = (), *, shapes: bool = True) -> list[Find]:
    """`scan_text` over the bytes of `path`; OSError when it cannot be read."""
    return scan_text(path.read_bytes().decode("latin-1"), str(path), _as_bytes(secrets), shapes=shapes)


def scan_paths(paths: Iterable[Path], secrets: Sequence[Secret] = (), *, exclude: Sequence[str] = (),
               shapes: bool = True) -> ScanResult:
    """Scan files and directories (recursively); ScanError naming a path that does not exist."""
    roots = list(paths)
    for root in roots:
        if not root.exists():
            raise ScanError(f"{root}: no such file or directory; give files or directories to scan")
    finds: list[Find] = []
    unreadable: list[str] = []
    files = 0
    for root in roots:
        for path in _files(root, exclude):
            files += 1
            try:
                finds.extend(scan_file(path, secrets, shapes=shapes))
            except OSError as exc:
                unreadable.append(f"{path}: {exc.strerror or exc}")
    return ScanResult(finds, files, unreadable)


def _files(root: Path, exclude: Sequence[str]) -> Iterator[Path]:
    """The files under `root` (or `root` itself), minus `SKIPPED_DIRS` and whatever `exclude` matches."""
    if root.is_file():
        if not _excluded(root, root.name, exclude):
            yield root
        return
    for directory, subdirs, names in os.walk(root):
        base = Path(directory)
        subdirs[:] = sorted(name for name in subdirs if name not in SKIPPED_DIRS
                            and not _excluded(base / name, (base / name).relative_to(root).as_posix(), exclude))
        for name in sorted(names):
            path = base / name
            if not _excluded(path, path.relative_to(root).as_posix(), exclude):
                yield path


def _excluded(path: Path, relative: str, exclude: Sequence[str]) -> bool:
    """Whether a glob matches the path relative to its scanned root, the path as given, or the name."""
    return any(fnmatch.fnmatch(candidate, glob) for glob in exclude for candidate in (relative, str(path), path.name))


def _as_bytes(secrets: Sequence[Secret]) -> list[Secret]:
    """Secrets spelled as their UTF-8 bytes read one per character, as files are."""
    return [Secret(secret.value.encode().decode("latin-1"), secret.label) for secret in secrets]


def _secret_spans(text: str, secrets: Sequence[Secret]) -> list[_Span]:
    spans = []
    for secret in secrets:
        allowed = allowed_prefix(secret.value)
        for leak in find_leaks(secret.value, text):
            amount, form = leak_words(leak, secret.value)
            if amount == "all":
                kind = f"{secret.label}{form}"
            elif leak.prefix:
                kind = f"a {leak.shown}-character prefix of {secret.label}{form}"
            else:
                kind = f"{amount} characters of {secret.label}{form}"
            spans.append(_Span(leak.offset, leak.end, kind, allowed if leak.prefix else 0))
    return spans


def _shape_spans(text: str) -> list[_Span]:
    spans: list[_Span] = []
    for kind, pattern in KEY_SHAPES:
        for match in pattern.finditer(text):
            group = "key" if "key" in pattern.groupindex else 0
            span = _Span(match.start(group), match.end(group), kind, allowed_prefix(match.group(group)))
            if not any(_overlap(span, taken) for taken in spans):
                spans.append(span)
    return spans


def _overlap(one: _Span, other: _Span) -> bool:
    return one.start < other.end and other.start < one.end


def _excerpt(text: str, span: _Span, spans: Sequence[_Span]) -> str:
    """The find in its line, every find nearby masked, other unprintable characters shown as `.`."""
    line_start = text.rfind("\n", 0, span.start) + 1
    line_end = text.find("\n", span.end)
    window_start = max(line_start, span.start - CONTEXT_CHARS)
    window_end = min(len(text) if line_end == -1 else line_end, span.end + CONTEXT_CHARS)
    pieces = []
    position = window_start
    for other in spans:
        if other.end <= window_start or other.start >= window_end:
            continue
        pieces.append(_printable(text[position:max(position, other.start)]))
        pieces.append(text[other.start:other.start + other.shown] + MASK if other.start >= window_start else MASK)
        position = max(position, other.end)
    pieces.append(_printable(text[position:window_end]))
    return "".join(pieces).strip()


def _printable(text: str) -> str:
    return "".join(char if char.isprintable() and char.isascii() else "." for char in text)
