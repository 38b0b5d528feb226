"""How one sandbox behaves: the key it expects, its speed, its limit, its faults, its clock and its day."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Callable, Sequence


@dataclass(frozen=True)
class SandboxConfig:
    """Defaults behave like the real API today (seed latencies, any key) but without a rate limit.

    `faults` holds `NAME` / `NAME=ARG` strings (see `faults.FAULTS`); `clock`
    returns epoch seconds and drives `created`, URL expiry and the rate window.
    `as_of` is the day whose API is served (`rules.api_on`); None: the clock's day.
    """

    api_key: str | None = None
    latency_scale: float = 1.0
    rate_limit: int | None = None
    faults: Sequence[str] = ()
    clock: Callable[[], float] = field(default=time.time)
    as_of: date | None = None
    still_serves: Sequence[str] = ()
    """Retired models and endpoints (`variations`) served anyway, imitating a gateway that routes them elsewhere."""

    @property
    def day(self) -> date:
        """The day the sandbox serves the API as of."""
        return self.as_of or datetime.fromtimestamp(self.clock(), timezone.utc).date()
