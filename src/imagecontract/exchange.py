"""One request as sent and the response as received: what every check judges.

These are plain data so that checks, the report and the summary can be
tested without HTTP or pytest.
"""

from __future__ import annotations

import json as jsonlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Mapping
from urllib.parse import urlsplit

from imagecontract.rules import ENDPOINTS

if TYPE_CHECKING:
    from imagecontract.gateway.view import UpstreamView


@dataclass(frozen=True)
class FilePart:
    """One file field of a multipart body (`image`, `image[]`, `mask`)."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class SentRequest:
    """The request after templating, exactly as it went out."""

    method: str
    url: str
    headers: dict[str, str]
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    files: list[FilePart] = field(default_factory=list)
    raw: str | None = None

    @property
    def params(self) -> dict[str, Any]:
        """The API parameters (model, n, size, ...) whichever body kind carried them."""
        if isinstance(self.json, dict):
            return dict(self.json)
        return dict(self.form)

    @property
    def endpoint(self) -> str | None:
        """`generations`, `edits` or `variations` from the URL path, else None."""
        last = urlsplit(self.url).path.rstrip("/").rsplit("/", 1)[-1]
        return last if last in ENDPOINTS else None

    def files_named(self, name: str) -> list[FilePart]:
        return [part for part in self.files if part.field == name]


@dataclass(frozen=True)
class StreamEvent:
    """One server-sent event: its `event:` name, its parsed `data:`, and when it arrived."""

    event: str | None
    data: Any
    at: float


@dataclass
class ReceivedResponse:
    """Status, headers (lower-case names), body and timing of one response."""

    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float
    events: list[StreamEvent] | None = None

    @cached_property
    def json(self) -> Any:
        """The parsed JSON body; raises ValueError when the body is not JSON."""
        return jsonlib.loads(self.body)

    def json_or_none(self) -> Any:
        try:
            return self.json
        except ValueError:
            return None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass
class Exchange:
    """A request, its response, and what the collection expected of it."""

    request: SentRequest
    response: ReceivedResponse
    expect: Mapping[str, Any] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    downloads: dict[str, bytes] = field(default_factory=dict)
    latency_budget: float | None = None
    first_event_budget: float | None = None
    """Seconds a stream may take to its first event (`expect.latency.first_event`, scaled); None: unchecked."""
    percentile_budgets: Mapping[int, float] = field(default_factory=dict)
    """`repeat:` budgets over every run of the request: quantile (50, 95) -> seconds, scaled."""
    repeat_latencies: tuple[float, ...] = ()
    """On the last run of a request with percentile budgets: the latency of every run, this one included."""
    download_errors: dict[str, str] = field(default_factory=dict)
    """Why an image URL of the answer could not be fetched, by URL."""
    upstream: UpstreamView | None = None
    """Sandwich mode: what the sandbox behind the gateway received and sent for this request."""


@dataclass(frozen=True)
class Failure:
    """One reason a check failed, and the JSON path in the response it concerns."""

    check: str
    reason: str
    path: str = "$"

    def __str__(self) -> str:
        return f"[{self.check}] {self.path}: {self.reason}"
