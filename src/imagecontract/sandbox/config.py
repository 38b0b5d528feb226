"""How one sandbox behaves: the key it expects, its speed, its limit, its faults and its clock."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence


@dataclass(frozen=True)
class SandboxConfig:
    """Defaults behave like the real API (seed latencies, any key) but without a rate limit.

    `faults` holds `NAME` / `NAME=ARG` strings (see `faults.FAULTS`); `clock`
    returns epoch seconds and drives `created`, URL expiry and the rate window.
    """

    api_key: str | None = None
    latency_scale: float = 1.0
    rate_limit: int | None = None
    faults: Sequence[str] = ()
    clock: Callable[[], float] = field(default=time.time)
