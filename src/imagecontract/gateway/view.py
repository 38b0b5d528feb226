"""What the upstream saw of one client request (sandwich mode): plain data, so an `Exchange` can carry it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class UpstreamView:
    """What the upstream saw of one client request: its journal entries, in arrival order."""

    entries: list[dict[str, Any]]
    correlated_by: str
    """`field`, `header` or `time` (the entries that arrived while the request was in flight)."""
    origin: str
    key: str
    overhead_budget: float
    allow: frozenset[str] = frozenset()
    client_sends: int = 1
    client_key: str = ""
    """The target's own client key (the one a gateway must not pass on to the upstream)."""

    @property
    def attempts(self) -> int:
        return len(self.entries)

    @property
    def upstream_seconds(self) -> float | None:
        """From the first arrival upstream to the last response finished (attempts and split calls included)."""
        ends = [entry["finished_at"] for entry in self.entries if entry.get("finished_at")]
        if not self.entries or not ends:
            return None
        return max(ends) - min(entry["arrived_at"] for entry in self.entries)

    def overhead(self, client_seconds: float) -> float | None:
        upstream = self.upstream_seconds
        return None if upstream is None else client_seconds - upstream

    def allows(self, name: str) -> bool:
        return name in self.allow
