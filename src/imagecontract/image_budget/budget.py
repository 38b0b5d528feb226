"""The run's shared image budget: images per minute, a cap on images, a run-wide stop, and the cost estimate.

Plain code with no pytest in it. Every process of one run opens the same store:
by default a SQLite file under the run's directory (shared by every pytest-xdist
worker of a machine), or with `--budget-url redis://HOST:PORT/DB` a Redis server
shared by every machine of the run. The rate is counted by a pyrate-limiter bucket
in that store (`stores.py`), the `--max-images` counter and the stop flag beside it,
all under one key made of the run id and the target, so two targets or two runs
never share a budget. 429 retries and run-ending codes are in `retry.py`.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Mapping

from imagecontract.collection.model import RequestSpec
from imagecontract.errors import BudgetStoreError, ImageContractError, RunStopped
from imagecontract.image_budget.stores import BudgetStore, display_url
from imagecontract.rules import RATE_LIMIT_WINDOW_SECONDS

WINDOW_ENV = "IMAGECONTRACT_BUDGET_WINDOW"
"""Internal, for tests: the rate window in seconds instead of one minute."""

RUN_ID_ENVS = ("GITHUB_RUN_ID", "CI_PIPELINE_ID", "PYTEST_XDIST_TESTRUNUID")
"""Where a run id comes from when `--run-id` is not given; the xdist one is shared by every worker of a run."""

POLL_SECONDS = 0.02
"""How often a process waiting for the rate asks the store again."""


def given_run_id(option: str | None, environ: Mapping[str, str]) -> str | None:
    """`--run-id`, else the CI's run id, else the xdist run uid, else None (the run is on its own)."""
    if option:
        return option
    return next((str(environ[name]) for name in RUN_ID_ENVS if environ.get(name)), None)


def run_id(option: str | None, environ: Mapping[str, str]) -> str:
    """The given run id, else a fresh one."""
    return given_run_id(option, environ) or uuid.uuid4().hex


def store_key(run: str, target: str) -> str:
    """The key of a run against a target: every store names its bucket, counter and stop flag after it."""
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
        except (TypeError, ValueError, OverflowError):
            return 1
    return 1


def expected_images(body: Any, expected_status: Any) -> int:
    """Images a request makes when the target behaves: its `n`, or none when it expects an error answer.

    The API refuses such a request before making any image and counts only images it makes, so neither the
    rate nor `--max-images` is charged for it.
    """
    try:
        expects_error = int(expected_status) >= 400
    except (TypeError, ValueError):
        expects_error = False
    return 0 if expects_error else images_of(body)


def request_images(spec: RequestSpec, variables: Mapping[str, Any]) -> int:
    """`n` x `repeat` of one request (none if it expects an error), with an `n: "{{var}}"` placeholder resolved."""
    from imagecontract.collection.templating import render

    n = spec.params.get("n", 1)
    if isinstance(n, str) and "{{" in n:
        try:
            n = render(n, variables, where="n")
        except ImageContractError:  # an unknown variable fails later, where the request runs
            n = 1
    return expected_images({"n": n}, spec.expectation.status) * max(1, int(spec.repeat or 1))


def refusal(estimated: int, max_images: int | None) -> str | None:
    """Why a run must not start, or None."""
    if max_images is not None and estimated > max_images:
        return (f"imagecontract: this run may generate {estimated} images, more than --max-images {max_images}; "
                f"nothing was sent (select fewer requests with -k/-m, or raise --max-images)")
    return None


@dataclass
class ImageBudget:
    """One process's handle on the run's shared budget (used only by requests that send traffic)."""

    store: BudgetStore
    rate_limit: int | None = None
    max_images: int | None = None
    window: float = RATE_LIMIT_WINDOW_SECONDS
    _limiter: Any = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    """`--concurrency` threads share one handle: the limiter is made once."""

    def acquire(self, images: int) -> float:
        """Before sending a request for `images`: stop if the run was stopped, count them, wait for the rate.

        Raises RunStopped, BudgetExhausted or BudgetStoreError; returns the seconds spent waiting.
        """
        reason = self.store.stopped()
        if reason:
            raise RunStopped(reason)
        if self.max_images is not None:
            self.store.reserve(images, self.max_images)
        if not self.rate_limit:
            return 0.0
        started = time.monotonic()
        limiter = self._rate_limiter()
        weight = min(images, self.rate_limit)
        while not self._try(limiter, weight):
            time.sleep(POLL_SECONDS)
        return time.monotonic() - started

    def stop(self, reason: str) -> None:
        """Stop every process of the run; a store already gone has nobody left to tell."""
        try:
            self.store.stop(reason)
        except BudgetStoreError:
            pass

    def _try(self, limiter: Any, weight: int) -> bool:
        import redis

        try:
            return bool(limiter.try_acquire(self.store.key, weight=weight, blocking=False))
        except (redis.RedisError, sqlite3.Error, OSError) as exc:  # the bucket's own client, through pyrate-limiter
            raise BudgetStoreError(f"the budget store {display_url(self.store.url)} stopped answering: {exc}") from None

    def _rate_limiter(self) -> Any:
        with self._lock:
            if self._limiter is None:
                from pyrate_limiter import Duration, Limiter, Rate

                rate = Rate(self.rate_limit, int(self.window * Duration.SECOND))
                self._limiter = Limiter(self.store.rate_bucket([rate]))
            return self._limiter
