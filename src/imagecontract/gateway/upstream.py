"""Sandwich mode: the sandbox behind the gateway, and what it received for each request the suite sent.

The suite tags each request with a correlation id (the `user` field every Images
endpoint takes, and a header for bodies that cannot carry it), then reads the
sandbox's journal for that id. A gateway that drops both is matched by time:
the journal entries that arrived while the request was in flight.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from imagecontract.errors import ImageContractError
from imagecontract.exchange import SentRequest
from imagecontract.gateway.view import UpstreamView
from imagecontract.sandbox.correlation import CORRELATION_FIELD, CORRELATION_HEADER, CORRELATION_PREFIX, JOURNAL_PATH

SETTLE_SECONDS = 2.0
"""How long to wait for the journal to record the end of a response the client already has."""
DEFAULT_OVERHEAD_BUDGET = 1.0
"""Seconds a gateway may add to a request (client latency minus upstream latency) unless told otherwise."""


@dataclass
class Upstream:
    """The sandbox behind the gateway: where its journal is, its key, and the target's allowances."""

    origin: str
    key: str = ""
    client_key: str = ""
    overhead_budget: float = DEFAULT_OVERHEAD_BUDGET
    allow: frozenset[str] = frozenset()
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10.0))

    def tag(self, sent: SentRequest) -> tuple[SentRequest, str]:
        """`sent` carrying a fresh correlation id in `user` (when its body can carry one) and in a header.

        A request that sends its own `user` (today's API reads it as a deprecated `safety_identifier`) keeps it:
        it is what the request tests, and the gateway is checked to forward it; its id goes in the header only."""
        correlation = CORRELATION_PREFIX + uuid.uuid4().hex
        headers = {**sent.headers, CORRELATION_HEADER: correlation}
        if isinstance(sent.json, dict) and sent.raw is None:
            if CORRELATION_FIELD in sent.json:
                return dataclasses.replace(sent, headers=headers), correlation
            return dataclasses.replace(sent, headers=headers, json={**sent.json, CORRELATION_FIELD: correlation}), correlation
        if sent.form or sent.files:
            if CORRELATION_FIELD in sent.form:
                return dataclasses.replace(sent, headers=headers), correlation
            return dataclasses.replace(sent, headers=headers, form={**sent.form, CORRELATION_FIELD: correlation}), correlation
        return dataclasses.replace(sent, headers=headers), correlation

    def observe(self, correlation: str, started: float, ended: float, client_sends: int) -> UpstreamView:
        """The journal entries for `correlation`; else those without an id that arrived in [started, ended]."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            entries = self._read({"id": correlation})
            how = entries[0]["correlated_by"] if entries else "field"
            if not entries:
                entries = [entry for entry in self._read({"since": started})
                           if entry["correlation_id"] is None and entry["arrived_at"] <= ended]
                how = "time"
            if all(entry["finished_at"] for entry in entries) or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        return UpstreamView(entries, how, self.origin, self.key, self.overhead_budget, self.allow, client_sends,
                            self.client_key)

    def close(self) -> None:
        self.client.close()

    def _read(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        url = self.origin.rstrip("/") + JOURNAL_PATH
        try:
            answer = self.client.get(url, params=params)
            answer.raise_for_status()
            return list(answer.json()["entries"])
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            raise ImageContractError(
                f"--upstream {self.origin}: cannot read the sandbox journal at {url} ({exc}); "
                f"start the sandbox there (imagecontract verify-gateway does) or fix --upstream"
            ) from None
