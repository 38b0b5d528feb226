"""Finding and hiding secrets in text a response or a report carries: the rule lives in `redact`.

A key counts as shown when more of its start appears than a masked form shows
(`sk-abc***...xyz` shows 6 characters); the public kind prefix of project and
service keys (`sk-proj-`) is not secret. Checks import the rule from here.
"""

from __future__ import annotations

from imagecontract.redact import REDACTED, Leak, allowed_prefix, find_leaks, redact_text as redact

__all__ = ["REDACTED", "Leak", "allowed_prefix", "find_leaks", "redact"]
