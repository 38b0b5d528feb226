"""Finding and hiding secrets (API keys) in text a response or a report carries.

A key counts as shown when more of its start appears than a masked form shows
(`sk-abc***...xyz` shows 6 characters). The public kind prefix of project and
service keys (`sk-proj-`) is not secret, so the API's own masked form of such
a key (`sk-proj-*****`) is not a leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

SHOWN_PREFIX = 6
"""Characters of a key's start that a masked form may show."""

PUBLIC_KEY_PREFIXES = ("sk-proj-", "sk-svcacct-", "sk-admin-")
"""Key-kind prefixes that say nothing about the key itself."""

REDACTED = "[redacted]"


@dataclass(frozen=True)
class Leak:
    """Where a secret's start appears in a text, and how many of its characters."""

    offset: int
    shown: int


def allowed_prefix(secret: str) -> int:
    """How many leading characters of `secret` may appear without leaking it."""
    public = max((len(prefix) for prefix in PUBLIC_KEY_PREFIXES if secret.startswith(prefix)), default=0)
    return max(SHOWN_PREFIX, public)


def find_leaks(secret: str, text: str) -> list[Leak]:
    """Every place where more of `secret`'s start appears than is allowed (the whole of a short secret)."""
    if not secret:
        return []
    marker = secret[: allowed_prefix(secret) + 1]
    leaks = []
    offset = text.find(marker)
    while offset != -1:
        shown = len(marker)
        while shown < len(secret) and offset + shown < len(text) and text[offset + shown] == secret[shown]:
            shown += 1
        leaks.append(Leak(offset, shown))
        offset = text.find(marker, offset + shown)
    return leaks


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every leaked start of every secret replaced by `[redacted]`."""
    for secret in secrets:
        for leak in reversed(find_leaks(secret, text)):
            text = text[: leak.offset] + REDACTED + text[leak.offset + leak.shown :]
    return text
