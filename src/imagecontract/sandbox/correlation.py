"""How the suite and the sandbox's journal name one request: plain constants (and the key fingerprint), so the suite's side (the gateway
checks) reads them without importing Starlette."""

import hashlib

JOURNAL_PATH = "/_sandbox/journal"
CORRELATION_FIELD = "user"
"""The request field the suite puts its correlation id in: every Images endpoint takes `user`, gateways forward it."""
CORRELATION_HEADER = "x-imagecontract-correlation"
"""The fallback, for bodies that cannot carry the field (malformed JSON) and gateways that drop it."""
CORRELATION_PREFIX = "imagecontract-"


def key_fingerprint(key: str) -> str:
    """How the journal names the key a request carried (`key_sha256`): the suite compares it with the keys it knows
    without the journal ever holding one."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]
