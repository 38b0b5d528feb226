"""Counters other tests read to see what the sandbox actually did (`GET /_sandbox/stats`)."""

from __future__ import annotations

import copy
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from imagecontract.rules import ENDPOINTS


class Stats:
    """Requests, images returned and 429s, overall and per endpoint; safe to read from another thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, Any] = {
            "requests": 0,
            "images_generated": 0,
            "rate_limited": 0,
            "downloads": 0,
            "in_flight": 0,
            "max_in_flight": 0,
            "by_endpoint": {endpoint: {"requests": 0, "images": 0, "errors": 0} for endpoint in ENDPOINTS},
        }

    def request(self, endpoint: str | None) -> None:
        self._add(endpoint, "requests", "requests", 1)

    def images(self, endpoint: str, count: int) -> None:
        self._add(endpoint, "images_generated", "images", count)

    def error(self, endpoint: str | None, rate_limited: bool) -> None:
        self._add(endpoint, "rate_limited" if rate_limited else None, "errors", 1)

    def download(self) -> None:
        self._add(None, "downloads", None, 1)

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Count a request as in flight while it is answered, so a client's concurrency shows in `max_in_flight`."""
        with self._lock:
            self._counts["in_flight"] += 1
            self._counts["max_in_flight"] = max(self._counts["max_in_flight"], self._counts["in_flight"])
        try:
            yield
        finally:
            with self._lock:
                self._counts["in_flight"] -= 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._counts)

    def _add(self, endpoint: str | None, total: str | None, per_endpoint: str | None, amount: int) -> None:
        with self._lock:
            if total is not None:
                self._counts[total] += amount
            if endpoint in ENDPOINTS and per_endpoint is not None:
                self._counts["by_endpoint"][endpoint][per_endpoint] += amount
