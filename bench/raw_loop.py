"""The floor of the head-to-head benchmark: the same requests through one `httpx.Client`, nothing else.

Reads the requests the engine built (JSON, see `head_to_head.py`) and sends them PASSES times in order; an answer
that hands out an image URL is followed by a GET of it, as imagecontract does to check the image.

    python bench/raw_loop.py REQUESTS.json PASSES
"""

from __future__ import annotations

import base64
import json
import sys

import httpx


def main() -> None:
    requests = json.loads(open(sys.argv[1], encoding="utf-8").read())
    passes = int(sys.argv[2])
    with httpx.Client(timeout=60) as client:
        for _ in range(passes):
            for sent in requests:
                files = [(part["field"], (part["filename"], base64.b64decode(part["data"]), part["content_type"]))
                         for part in sent["files"]]
                response = client.request(sent["method"], sent["url"], headers=sent["headers"], json=sent["json"],
                                          data=sent["form"] or None, files=files or None)
                response.raise_for_status()
                url = (response.json().get("data") or [{}])[0].get("url")
                if url:
                    client.get(url).raise_for_status()


if __name__ == "__main__":
    main()
