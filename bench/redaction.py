"""Benchmark (f): what finding and hiding every piece of a secret costs on a large response body.

A real 1536x1024 PNG is 2-3 MB, so a body of one is about 4 MB of base64. Each round redacts such a body
(random bytes in base64: no piece of the key in it) for a project key of 164 characters and a short test key,
as text (reports, summaries) and as bytes (cassettes), and the median time per body is printed with the
throughput. The key search reads the text's aligned 4-character blocks once per secret and spelling group.

    .venv/bin/python bench/redaction.py [--rounds 5] [--megabytes 4]
"""

from __future__ import annotations

import argparse
import base64
import secrets
import statistics
import time

from _common import table

from imagecontract.redact import redact_bytes, redact_text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--megabytes", type=float, default=4.0)
    options = parser.parse_args()
    body = base64.b64encode(secrets.token_bytes(int(options.megabytes * 1024 * 1024 * 3 / 4))).decode()
    keys = ["sk-proj-" + secrets.token_urlsafe(117), "ic-bench-key-0123456789"]
    rows = []
    for name, redact, data in (("text", redact_text, body), ("bytes", redact_bytes, body.encode())):
        times = []
        for _ in range(options.rounds):
            started = time.perf_counter()
            assert redact(data, keys) == data
            times.append(time.perf_counter() - started)
        median = statistics.median(times)
        rows.append([name, f"{len(body) / 1e6:.1f} MB", f"{median * 1000:.0f} ms", f"{len(body) / 1e6 / median:.0f} MB/s"])
    print(table(["as", "body", "median per body (2 keys)", "throughput"], rows))


if __name__ == "__main__":
    main()
