"""429 retries and run-ending codes: how long a 429 asks to wait, and which answers end the whole run."""

from __future__ import annotations

import time
from typing import Any, Mapping

STOP_CODES = frozenset({"billing_hard_limit_reached", "insufficient_quota"})
"""Error codes after which no further request of the run can succeed."""

MAX_RETRIES = 3
"""Attempts after a 429 (bounded), each after the answer's Retry-After."""

MAX_RETRY_AFTER_SECONDS = 60.0

RETRY_SLEEP_SCALE = 1.0
"""Internal, for tests: multiplies every Retry-After wait (a sandbox on a fast clock)."""


def pause_for_retry(seconds: float) -> None:
    time.sleep(seconds * RETRY_SLEEP_SCALE)


def stop_code(body: Any) -> str | None:
    """`billing_hard_limit_reached` / `insufficient_quota` when the answer carries one."""
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        code = body["error"].get("code") or body["error"].get("type")
        if code in STOP_CODES:
            return str(code)
    return None


def retry_after(headers: Mapping[str, str]) -> float:
    """Seconds a 429 asks to wait (Retry-After in seconds; 1 when absent or unreadable), capped."""
    try:
        value = float(headers.get("retry-after", "1"))
    except ValueError:
        value = 1.0
    return min(max(0.0, value), MAX_RETRY_AFTER_SECONDS)


def retry_wait_text(headers: Mapping[str, str], wait: float) -> str:
    """How a retry waited, naming `Retry-After` only when the target sent one."""
    if "retry-after" in {name.lower() for name in headers}:
        return f"retried after Retry-After {wait:g} s"
    return f"retried after {wait:g} s (no Retry-After header)"
