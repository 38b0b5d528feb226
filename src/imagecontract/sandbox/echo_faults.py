"""Gateways that echo the caller's key back in one shape or another: the rewrites behind the `echo-key-*` faults.

Each shape lets the whole key into the wrong-key message (as `echo-key` does), then shows only part of it,
or another spelling: its first or last N characters, N from its middle (in the message or in a response
header), upper-cased, or in base64. `no_secret_echo` and the redaction must catch every one.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace
from typing import Callable

from imagecontract.redact import MASK, mask_key
from imagecontract.sandbox.messages import ERRORS, ErrorReply

_WRONG_KEY = ERRORS["invalid_api_key"]
_WRONG_KEY_HEAD, _WRONG_KEY_TAIL = _WRONG_KEY.message.split("{key}")
"""The wrong-key message around the key it shows, so a rewrite can find the key in it."""


@dataclass(frozen=True)
class EchoShape:
    """What of the key `shown_as(key, N)` returns; `default` is N for shapes that take one, `header` where it goes."""

    description: str
    shown_as: Callable[[str, int], str]
    default: str | None = None
    header: str | None = None


def _middle(key: str, count: int) -> str:
    """`count` characters from the middle of `key`: neither its start nor its end."""
    start = max((len(key) - count) // 2, 0)
    return key[start:start + count]


ECHO_SHAPES: dict[str, EchoShape] = {
    "echo-key-prefix": EchoShape("echo the first N characters of the caller's API key in auth errors",
                                 lambda key, count: key[:count] + MASK, "16"),
    "echo-key-suffix": EchoShape("echo the last N characters of the caller's API key in auth errors",
                                 lambda key, count: MASK + key[-count:], "16"),
    "echo-key-middle": EchoShape("echo N characters from the middle of the caller's API key in auth errors",
                                 lambda key, count: MASK + _middle(key, count) + MASK, "12"),
    "echo-key-header": EchoShape("echo N characters from the middle of the caller's API key in an x-echoed-key header "
                                 "of auth errors", _middle, "14", header="x-echoed-key"),
    "echo-key-upper": EchoShape("echo the caller's API key upper-cased in auth errors", lambda key, _: key.upper()),
    "echo-key-base64": EchoShape("echo the base64 of the caller's API key in auth errors",
                                 lambda key, _: base64.b64encode(key.encode()).decode()),
}


def echo_rewrite(shape: EchoShape, count: int) -> Callable[[ErrorReply], ErrorReply]:
    """The error rewrite of `shape` with N = `count`: only wrong-key replies that show the whole key change."""

    def rewrite(reply: ErrorReply) -> ErrorReply:
        inner, message = reply.body.get("error"), reply.message
        ours = message.startswith(_WRONG_KEY_HEAD) and message.endswith(_WRONG_KEY_TAIL)
        if not isinstance(inner, dict) or inner.get("code") != _WRONG_KEY.code or not ours:
            return reply
        key = message[len(_WRONG_KEY_HEAD):len(message) - len(_WRONG_KEY_TAIL)]
        shown = shape.shown_as(key, count)
        if shape.header:
            masked = {**inner, "message": f"{_WRONG_KEY_HEAD}{mask_key(key)}{_WRONG_KEY_TAIL}"}
            return replace(reply, body={**reply.body, "error": masked}, headers={**reply.headers, shape.header: shown})
        return replace(reply, body={**reply.body, "error": {**inner, "message": f"{_WRONG_KEY_HEAD}{shown}{_WRONG_KEY_TAIL}"}})

    return rewrite
