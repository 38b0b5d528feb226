"""The run's shared image budget: images per minute, a cap on images, and the cost estimate.

Plain code with no pytest in it. Every process of one run (every pytest-xdist
worker) opens the same store: a pyrate-limiter `SQLiteBucket` (file-locked) for
the rate, and a counter table in the same SQLite file for `--max-images`.
The store is keyed by run id and target, so a Redis bucket (`--budget-url
redis://...`, not yet implemented) can later replace the file with the same keys.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from imagecontract.rules import RATE_LIMIT_WINDOW_SECONDS

WINDOW_ENV = "IMAGECONTRACT_BUDGET_WINDOW"
"""Internal, for tests: the rate window in seconds instead of one minute."""

RUN_ID_ENVS = ("GITHUB_RUN_ID", "CI_PIPELINE_ID", "PYTEST_XDIST_TESTRUNUID")
"""Where a run id comes from when `--run-id` is not given; the xdist one is shared by every worker of a run."""

STOP_CODES = frozenset({"billing_hard_limit_reached", "insufficient_quota"})
"""Error codes after which no further request of the run can succeed."""

MAX_RETRIES = 3
"""Attempts after a 429 (bounded), each after the answer's Retry-After."""

MAX_RETRY_AFTER_SECONDS = 60.0

RETRY_SLEEP_SCALE = 1.0
"""Internal, for tests: multiplies every Retry-After wait (a sandbox on a fast clock)."""


def pause_for_retry(seconds: float) -> None:
    time.sleep(seconds * RETRY_SLEEP_SCALE)


class BudgetExhausted(Exception):
    """`--max-images` has been spent by this run (in any process)."""


def run_id(option: str | None, environ: Mapping[str, str]) -> str:
    """`--run-id`, else the CI's run id, else the xdist run uid, else a fresh id."""
    if option:
        return option
    for name in RUN_ID_ENVS:
        if environ.get(name):
            return str(environ[name])
    return uuid.uuid4().hex


def store_key(run: str, target: str) -> str:
    """The bucket name for a run against a target (the Redis key a later `--budget-url` would use)."""
    digest = hashlib.sha1(target.encode()).hexdigest()[:12]
    return f"imagecontract:{run}:{digest}"


def window_seconds(environ: Mapping[str, str]) -> float:
    value = environ.get(WINDOW_ENV)
    return float(value) if value else RATE_LIMIT_WINDOW_SECONDS


def images_of(body: Any) -> int:
    """How many images a request asks for: its `n`, default 1 (a streamed request's finals count 1 each, so `n` too)."""
    if isinstance(body, Mapping):
        try:
            return max(1, int(body.get("n", 1)))
        except (TypeError, ValueError):
            return 1
    return 1


def estimate(requests: Iterable[tuple[Any, int]]) -> int:
    """The most images a run may generate: sum of `n` x `repeat` over `(body, repeat)` pairs."""
    return sum(images_of(body) * max(1, int(repeat)) for body, repeat in requests)


def refusal(estimated: int, max_images: int | None) -> str | None:
    """Why a run must not start, or None."""
    if max_images is not None and estimated > max_images:
        return (f"imagecontract: this run may generate {estimated} images, more than --max-images {max_images}; "
                f"nothing was sent (select fewer requests with -k/-m, or raise --max-images)")
    return None


@dataclass
class ImageBudget:
    """One process's handle on the run's shared budget (open lazily: replay-only runs never touch it)."""

    path: Path
    key: str
    rate_limit: int | None = None
    max_images: int | None = None
    window: float = RATE_LIMIT_WINDOW_SECONDS
    _limiter: Any = field(default=None, repr=False)

    def acquire(self, images: int) -> float:
        """Count `images` against `--max-images` (raises BudgetExhausted) then block until the rate allows them.

        Returns the seconds spent waiting.
        """
        self._reserve(images)
        if not self.rate_limit:
            return 0.0
        started = time.monotonic()
        limiter = self._rate_limiter()
        weight = min(images, self.rate_limit)
        while not limiter.try_acquire(self.key, weight=weight, blocking=False):
            time.sleep(0.05)
        return time.monotonic() - started

    def spent(self) -> int:
        with self._db() as db:
            row = db.execute("SELECT images FROM spent WHERE key = ?", (self.key,)).fetchone()
        return int(row[0]) if row else 0

    def _reserve(self, images: int) -> None:
        if self.max_images is None:
            return
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT images FROM spent WHERE key = ?", (self.key,)).fetchone()
            used = int(row[0]) if row else 0
            if used + images > self.max_images:
                db.execute("ROLLBACK")
                raise BudgetExhausted(
                    f"--max-images {self.max_images} reached ({used} images already sent by this run); "
                    f"not sending {images} more"
                )
            db.execute("INSERT INTO spent (key, images) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET images = ?",
                       (self.key, used + images, used + images))
            db.execute("COMMIT")

    def _db(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
        db.execute("CREATE TABLE IF NOT EXISTS spent (key TEXT PRIMARY KEY, images INTEGER NOT NULL)")
        return _Closing(db)  # type: ignore[return-value]

    def _rate_limiter(self) -> Any:
        if self._limiter is None:
            from pyrate_limiter import Duration, Limiter, Rate, SQLiteBucket

            self.path.parent.mkdir(parents=True, exist_ok=True)
            rate = Rate(self.rate_limit, int(self.window * Duration.SECOND))
            bucket = SQLiteBucket.init_from_file([rate], table="rate_bucket", db_path=str(self.path), use_file_lock=True)
            self._limiter = Limiter(bucket)
        return self._limiter


class _Closing:
    """`with` closes the connection (sqlite3's own context manager only commits)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        return self.db

    def __exit__(self, *exc: Any) -> None:
        self.db.close()


def default_path(rootdir: Path, run: str) -> Path:
    return rootdir / ".imagecontract" / f"budget-{run}.sqlite"


def stop_code(body: Any) -> str | None:
    """`billing_hard_limit_reached` / `insufficient_quota` when the answer carries one."""
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        code = body["error"].get("code") or body["error"].get("type")
        if code in STOP_CODES:
            return str(code)
    return None


def retry_after(headers: Mapping[str, str]) -> float:
    """Seconds a 429 asks to wait (Retry-After in seconds; 1 when absent or unreadable), capped."""
    try:
        value = float(headers.get("retry-after", "1"))
    except ValueError:
        value = 1.0
    return min(max(0.0, value), MAX_RETRY_AFTER_SECONDS)


__all__ = [
    "BudgetExhausted", "ImageBudget", "MAX_RETRIES", "STOP_CODES", "default_path", "estimate", "images_of",
    "refusal", "retry_after", "run_id", "stop_code", "store_key", "window_seconds",
]


def request_images(spec: Any, variables: Mapping[str, Any]) -> int:
    """`n` x `repeat` of one request, with an `n: "{{var}}"` placeholder resolved when it can be."""
    from imagecontract.templating import render

    body = spec.json if isinstance(spec.json, Mapping) else ((spec.form or {}).get("fields") or {})
    n = body.get("n", 1) if isinstance(body, Mapping) else 1
    if isinstance(n, str) and "{{" in n:
        try:
            n = render(n, variables, where="n")
        except Exception:  # an unknown variable fails later, where the request runs
            n = 1
    return images_of({"n": n}) * max(1, int(spec.repeat or 1))
