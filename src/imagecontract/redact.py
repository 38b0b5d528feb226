"""Keeping secrets out of anything the suite or the sandbox shows: messages, reports, logs."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Iterable, Mapping, TypeVar
from urllib.parse import quote, quote_plus

from imagecontract.secret_pieces import carried, find_pieces

MASK = "***"
_SHOWN_PREFIX = 6
_SHOWN_SUFFIX = 3
_MIN_MASKABLE = 12


def mask_key(key: str) -> str:
    """An API key as it may appear in an error message: `sk-abc***...xyz`.

    Only the first six and last three characters show, and the mask has a fixed
    width, so neither the key nor its length leaks; keys under twelve characters
    show nothing but `***`, since a prefix and suffix would be most of them.
    """
    if len(key) < _MIN_MASKABLE:
        return MASK
    return f"{key[:_SHOWN_PREFIX]}{MASK}...{key[-_SHOWN_SUFFIX:]}"


REDACTED = "[redacted]"
"""What replaces a secret in anything written: fixed, so neither the key nor its length shows."""

SENSITIVE_HEADERS = frozenset({
    "authorization",
    "proxy-authorization",
    "api-key",
    "x-api-key",
    "ocp-apim-subscription-key",
    "openai-organization",
    "openai-project",
    "cookie",
    "set-cookie",
})
"""Headers (lower-case) whose whole value is a credential or identifies the account."""

SECRET_QUERY_PARAMS = frozenset({"key", "api-key", "api_key", "apikey", "token", "access_token"})
"""Query parameters (lower-case) that carry a key even when the caller did not name it as a secret."""

HeaderValue = TypeVar("HeaderValue", str, list[str])


PUBLIC_KEY_PREFIXES = ("sk-proj-", "sk-svcacct-", "sk-admin-")
"""Key-kind prefixes that say nothing about the key itself: the API's own masked form shows them (`sk-proj-****`)."""


@dataclass(frozen=True)
class Leak:
    """Where a piece of a secret appears in a text: `length` characters of the text at `offset`, which show
    `shown` characters of the secret from its character `start`, written as is or in `form` (base64, ...)."""

    offset: int
    shown: int
    start: int = 0
    form: str = ""
    length: int = 0

    @property
    def end(self) -> int:
        return self.offset + (self.length or self.shown)

    @property
    def prefix(self) -> bool:
        """Whether the piece is a start of the secret, written as is."""
        return self.start == 0 and not self.form


def allowed_prefix(secret: str) -> int:
    """How many leading characters of `secret` may show: as many as `mask_key` shows, or its public kind prefix."""
    public = max((len(prefix) for prefix in PUBLIC_KEY_PREFIXES if secret.startswith(prefix)), default=0)
    return max(_SHOWN_PREFIX, public)


def find_leaks(secret: str, text: str) -> list[Leak]:
    """Every place where a piece of `secret` shows (`secret_pieces`): more of its start than `allowed_prefix`,
    or any 8 or more of its characters in a row, in any case, as is or base64, percent- or JSON-escaped.

    A gateway that echoes "only" the last 16 characters of a key has leaked most of it, so a piece
    counts as much as the whole.
    """
    return [
        Leak(piece.offset, carried(piece.spelling, piece.length), piece.start, piece.spelling.form, piece.length)
        for piece in find_pieces(secret, text, allowed_prefix(secret))
    ]


def leak_words(leak: Leak, secret: str) -> tuple[str, str]:
    """How much a leak shows and in what form, for a message that never carries it: (`all`, ``),
    (`the first 9`, ``), (`12`, ` in base64`)."""
    form = f" in {leak.form}" if leak.form == "base64" else f" {leak.form}" if leak.form else ""
    if leak.start == 0 and leak.shown >= len(secret):
        return "all", form
    return (f"the first {leak.shown}" if leak.start == 0 else str(leak.shown)), form


def _longest_first(secrets: Iterable[str]) -> list[str]:
    """Non-empty secrets, longest first, so a secret containing another is replaced whole."""
    return sorted({secret for secret in secrets if secret}, key=len, reverse=True)


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret, and every start of one longer than `mask_key` shows, replaced by `[redacted]`."""
    for secret in _longest_first(secrets):
        pieces, position = [], 0
        for leak in find_leaks(secret, text):
            pieces += [text[position:leak.offset], REDACTED]
            position = leak.end
        text = "".join(pieces) + text[position:] if pieces else text
    return text


def redact_bytes(data: bytes, secrets: Iterable[str]) -> bytes:
    """`redact_text` for a body: each secret's UTF-8 bytes are replaced, other bytes stay as they were.

    Latin-1 maps each byte to one character and back, so a binary body survives unchanged.
    """
    as_bytes = [secret.encode().decode("latin-1") for secret in secrets]
    return redact_text(data.decode("latin-1"), as_bytes).encode("latin-1")


_QUERY_PARAM = re.compile(r"(?P<lead>^|[&;])(?P<name>[^=&;#]+)=(?P<value>[^&;#]*)")

_URL_SPELLINGS: tuple[Callable[[str], str], ...] = (str, partial(quote, safe=""), partial(quote_plus, safe=""))
"""How a secret may be spelled inside a URL: as is, percent-encoded, form-encoded."""


def redact_url(url: str, secrets: Iterable[str]) -> str:
    """`url` with the secrets (in any URL spelling) and the values of `SECRET_QUERY_PARAMS` redacted.

    Only the matched values change, so the rest of the URL keeps its exact spelling.
    """
    url = redact_text(url, [spell(secret) for secret in secrets for spell in _URL_SPELLINGS])
    head, hash_mark, fragment = url.partition("#")
    path, question, query = head.partition("?")
    return path + question + _QUERY_PARAM.sub(_mask_named_param, query) + hash_mark + fragment


def _mask_named_param(match: re.Match[str]) -> str:
    if match.group("name").lower() not in SECRET_QUERY_PARAMS:
        return match.group(0)
    return f"{match.group('lead')}{match.group('name')}={REDACTED}"


_URL = re.compile(r"""\bhttps?://[^\s'"<>`]+""")


def redact_message(text: str, secrets: Iterable[str]) -> str:
    """Free text (a failure, a log line) with every URL in it passed through `redact_url`, then `redact_text`.

    A URL printed whole carries its `?api-key=` even when that value was never named as a secret.
    """
    secrets = list(secrets)
    return redact_text(_URL.sub(lambda match: redact_url(match.group(0), secrets), text), secrets)


class LogRedactor:
    """Scrubs each log record as it is made, so no handler (pytest's log file, live logs, captured
    sections, a user's own) ever formats a secret: vcrpy and httpx log URLs, bodies and settings.

    `install` puts it in front of the current record factory; `add` teaches it secrets as a run learns them.
    """

    def __init__(self) -> None:
        self.secrets: set[str] = set()
        self.active = False
        self._previous: Callable[..., logging.LogRecord] | None = None

    def add(self, secrets: Iterable[str]) -> None:
        """Learn `secrets`; the set is replaced, never changed in place, as other threads may be logging."""
        self.secrets = self.secrets | {secret for secret in secrets if secret}

    def install(self) -> None:
        self.active = True
        if self._previous is None:
            self._previous = logging.getLogRecordFactory()
            logging.setLogRecordFactory(self._record)

    def uninstall(self) -> None:
        """Stop scrubbing and restore the previous factory, unless another was installed on top since
        (that one still calls this, which then passes records through)."""
        self.active = False
        self.secrets = set()
        if self._previous is not None and logging.getLogRecordFactory() == self._record:
            logging.setLogRecordFactory(self._previous)
            self._previous = None

    def _record(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        assert self._previous is not None
        record = self._previous(*args, **kwargs)
        if not self.active:
            return record
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's to report, not ours
            return record
        clean = redact_message(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact_message(logging.Formatter().formatException(record.exc_info), self.secrets)
        return record


def redact_headers(headers: Mapping[str, HeaderValue], secrets: Iterable[str]) -> dict[str, HeaderValue]:
    """A copy of `headers` with `SENSITIVE_HEADERS` redacted whole and secrets redacted in the others.

    Values may be strings or lists of strings (one per occurrence); each keeps its shape.
    """
    secrets = list(secrets)

    def clean(name: str, value: str) -> str:
        return REDACTED if name.lower() in SENSITIVE_HEADERS else redact_text(value, secrets)

    return {
        name: [clean(name, item) for item in value] if isinstance(value, list) else clean(name, value)
        for name, value in headers.items()
    }
