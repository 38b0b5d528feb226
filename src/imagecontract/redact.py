"""Keeping secrets out of anything the suite or the sandbox shows: messages, reports, logs."""

from __future__ import annotations

import re
from functools import partial
from typing import Callable, Iterable, Mapping, TypeVar
from urllib.parse import quote, quote_plus

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


def _longest_first(secrets: Iterable[str]) -> list[str]:
    """Non-empty secrets, longest first, so a secret containing another is replaced whole."""
    return sorted({secret for secret in secrets if secret}, key=len, reverse=True)


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """`text` with every occurrence of every secret replaced by `[redacted]`."""
    for secret in _longest_first(secrets):
        text = text.replace(secret, REDACTED)
    return text


def redact_bytes(data: bytes, secrets: Iterable[str]) -> bytes:
    """`redact_text` for a body: each secret's UTF-8 bytes are replaced, other bytes stay as they were."""
    marker = REDACTED.encode()
    for secret in _longest_first(secrets):
        data = data.replace(secret.encode(), marker)
    return data


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
