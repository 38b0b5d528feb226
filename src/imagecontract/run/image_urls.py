"""Fetching the images an answer hands out as URLs, in a JSON body or inside stream events.

A URL that is not http(s) or cannot be fetched is not a test error hiding the
other checks' results: its reason is kept, and the image checks report it.
"""

from __future__ import annotations

from typing import Any, Iterable

import httpx

from imagecontract.errors import TransportError
from imagecontract.exchange import StreamEvent
from imagecontract.run.http import download


def image_urls(body: Any, events: Iterable[StreamEvent] | None) -> list[Any]:
    """Every `url` of an image object: `data[i].url` of a body, or the `url` of each event's data."""
    if events is not None:
        return [event.data["url"] for event in events if isinstance(event.data, dict) and "url" in event.data]
    items = body.get("data") if isinstance(body, dict) else None
    return [item["url"] for item in items or [] if isinstance(item, dict) and "url" in item]


def fetch_images(client: httpx.Client, urls: Iterable[Any], timeout: float | None = None) -> tuple[dict[str, bytes], dict[str, str]]:
    """(bytes by URL, why not by URL) for each distinct URL, each fetched within `timeout` (as the request's)."""
    fetched: dict[str, bytes] = {}
    failed: dict[str, str] = {}
    for url in dict.fromkeys(url for url in urls if isinstance(url, str)):
        if not url.startswith(("http://", "https://")):
            failed[url] = f"the image URL {url[:80]!r} is not an http(s) URL, so no client can fetch it"
            continue
        try:
            fetched[url] = download(client, url, timeout=timeout)
        except TransportError as exc:
            failed[url] = f"the image URL could not be fetched: {exc}"
    return fetched, failed
