"""Benchmark (g): requests on one kept-alive connection to the sandbox, against the 40 ms delayed-ACK signature.

Sends `--requests` requests of three kinds (a small GET, a 256x256 generation, a 256x256 edit upload) through
one `httpx.Client` to a sandbox answering at once, and prints the median time per request and how many took
40 ms or more. Without `TCP_NODELAY` on the sandbox's accepted sockets every request after a connection's first
waited for the client's delayed ACK (44-52 ms each).

    .venv/bin/python bench/keepalive.py [--requests 40]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

import httpx
from _common import KEY, SEED_ERA, table

from imagecontract.run.uploads import generate_image
from imagecontract.sandbox import running_sandbox

STALL_SECONDS = 0.040


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40)
    count = parser.parse_args().requests
    upload = generate_image("png", 256, 256, alpha=True)
    auth = {"Authorization": f"Bearer {KEY}"}
    rows = []
    with running_sandbox(api_key=KEY, latency_scale=0.0, as_of=date.fromisoformat(SEED_ERA)) as server, \
            httpx.Client(timeout=30) as client:
        kinds = {
            "GET /_sandbox/stats": lambda: client.get(f"{server.origin}/_sandbox/stats"),
            "generation 256x256": lambda: client.post(f"{server.base_url}/images/generations", headers=auth, json={
                "model": "dall-e-2", "prompt": "a lighthouse", "size": "256x256", "response_format": "b64_json"}),
            "edit 256x256 (upload)": lambda: client.post(f"{server.base_url}/images/edits", headers=auth, data={
                "model": "dall-e-2", "prompt": "a lighthouse", "size": "256x256", "response_format": "b64_json"},
                files={"image": ("image.png", upload, "image/png")}),
        }
        for name, send in kinds.items():
            send().raise_for_status()
            durations = []
            for _ in range(count):
                started = time.perf_counter()
                send().raise_for_status()
                durations.append(time.perf_counter() - started)
            stalls = sum(duration >= STALL_SECONDS for duration in durations)
            rows.append([name, f"{statistics.median(durations) * 1000:.1f}", f"{stalls} of {count}"])
    print(table(["request (kept-alive connection)", "median ms", ">= 40 ms"], rows))


if __name__ == "__main__":
    main()
