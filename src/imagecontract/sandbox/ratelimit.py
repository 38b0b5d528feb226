"""Images-per-minute limiting over a sliding window, with OpenAI's x-ratelimit headers."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from imagecontract.rules import RATE_LIMIT_WINDOW_SECONDS
from imagecontract.sandbox.messages import ApiError


def duration(seconds: float) -> str:
    """OpenAI's reset-header style: `850ms`, `12s`, `1m0s`."""
    if seconds < 1:
        return f"{max(0, math.ceil(seconds * 1000))}ms"
    whole = math.ceil(seconds)
    minutes, rest = divmod(whole, 60)
    return f"{minutes}m{rest}s" if minutes else f"{rest}s"


@dataclass
class RateLimiter:
    """At most `limit` images in any `window` seconds; each request counts its `n`."""

    limit: int
    clock: Callable[[], float]
    window: float = RATE_LIMIT_WINDOW_SECONDS
    _spent: deque[tuple[float, int]] = field(default_factory=deque)

    def take(self, images: int) -> dict[str, str]:
        """Spend `images` now and return the headers to send, or raise the 429 ApiError."""
        now = self.clock()
        while self._spent and self._spent[0][0] + self.window <= now:
            self._spent.popleft()
        used = sum(count for _, count in self._spent)
        if used + images > self.limit:
            wait = self._wait_for(used + images - self.limit, now)
            retry_after = max(1, math.ceil(wait))
            headers = {"retry-after": str(retry_after), **self._headers(used, now)}
            raise ApiError(
                "rate_limited", headers, limit=self.limit, used=used, requested=images, retry_after=retry_after
            )
        self._spent.append((now, images))
        return self._headers(used + images, now)

    def _wait_for(self, excess: int, now: float) -> float:
        """Seconds until enough of the window's images expire to free `excess` of them."""
        freed = 0
        for at, count in self._spent:
            freed += count
            if freed >= excess:
                return at + self.window - now
        return self.window

    def _headers(self, used: int, now: float) -> dict[str, str]:
        reset = self._spent[-1][0] + self.window - now if self._spent else 0.0
        return {
            "x-ratelimit-limit-images": str(self.limit),
            "x-ratelimit-remaining-images": str(max(0, self.limit - used)),
            "x-ratelimit-reset-images": duration(reset),
        }
