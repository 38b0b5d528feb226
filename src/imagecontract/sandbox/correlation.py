"""How the suite and the sandbox's journal name one request: plain constants, so the suite's side (the gateway
checks) reads them without importing Starlette."""

JOURNAL_PATH = "/_sandbox/journal"
CORRELATION_FIELD = "user"
"""The request field the suite puts its correlation id in: every Images endpoint takes `user`, gateways forward it."""
CORRELATION_HEADER = "x-imagecontract-correlation"
"""The fallback, for bodies that cannot carry the field (malformed JSON) and gateways that drop it."""
CORRELATION_PREFIX = "imagecontract-"
