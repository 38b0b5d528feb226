"""The run's shared image budget: images per minute, a cap on images, a run-wide stop, and the cost estimate.

Plain code with no pytest in it. Every process of one run opens the same store:
by default a SQLite file under the run's directory (shared by every pytest-xdist
worker of a machine), or with `--budget-url redis://HOST:PORT/DB` a Redis server
shared by every machine of the run. The rate is counted by a pyrate-limiter bucket
in that store (`SQLiteBucket` or `RedisBucket`), the `--max-images` counter and the
stop flag beside it, all under one key made of the run id and the target, so two
targets or two runs never share a budget. A store that cannot be reached is an
error naming it, never a quiet fall-back to a per-process budget.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

from imagecontract.errors import ImageContractError
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

POLL_SECONDS = 0.02
"""How often a process waiting for the rate asks the store again."""

REDIS_TTL_SECONDS = 2 * 24 * 3600
"""A run's Redis keys expire two days after their last write, so a server shared by nightly runs does not fill up."""

REDIS_TIMEOUT_SECONDS = 5.0
"""Connect and read timeout: a store that stops answering stops the run within seconds, not at the OS's timeout."""


def pause_for_retry(seconds: float) -> None:
    time.sleep(seconds * RETRY_SLEEP_SCALE)


class BudgetStop(Exception):
    """This process must send nothing more: the run's budget is spent or its store is gone."""


class BudgetExhausted(BudgetStop):
    """`--max-images` has been spent by this run (in any process)."""


class BudgetStoreError(BudgetStop):
    """The budget store could not be reached or stopped answering; the message names it."""


class RunStopped(Exception):
    """Another process of the run stopped it (billing hard limit, no quota, budget spent); the reason is theirs."""


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
        except (TypeError, ValueError):
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


def request_images(spec: Any, variables: Mapping[str, Any]) -> int:
    """`n` x `repeat` of one request (none if it expects an error), with an `n: "{{var}}"` placeholder resolved."""
    from imagecontract.collection.templating import render

    body = spec.json if isinstance(spec.json, Mapping) else ((spec.form or {}).get("fields") or {})
    n = body.get("n", 1) if isinstance(body, Mapping) else 1
    if isinstance(n, str) and "{{" in n:
        try:
            n = render(n, variables, where="n")
        except ImageContractError:  # an unknown variable fails later, where the request runs
            n = 1
    return expected_images({"n": n}, spec.expect.get("status", 200)) * max(1, int(spec.repeat or 1))


def refusal(estimated: int, max_images: int | None) -> str | None:
    """Why a run must not start, or None."""
    if max_images is not None and estimated > max_images:
        return (f"imagecontract: this run may generate {estimated} images, more than --max-images {max_images}; "
                f"nothing was sent (select fewer requests with -k/-m, or raise --max-images)")
    return None


def display_url(url: str) -> str:
    """A store URL fit for messages: any password replaced by `***`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class BudgetStore(Protocol):
    """Where every process of a run counts: a rate bucket, the images reserved, and a stop flag."""

    url: str

    def check(self) -> None:
        """Raise BudgetStoreError unless the store answers."""

    def rate_bucket(self, rates: list[Any]) -> Any:
        """A pyrate-limiter bucket holding `rates`, shared through this store."""

    def reserve(self, images: int, max_images: int) -> int:
        """Add `images` to the run's count unless that would pass `max_images`; returns the count before.

        Raises BudgetExhausted, naming the count, when it would.
        """

    def spent(self) -> int:
        """Images reserved so far by every process of the run."""

    def stop(self, reason: str) -> None:
        """Tell every process of the run to send nothing more (the first reason given is kept)."""

    def stopped(self) -> str | None:
        """Why the run was stopped, or None."""


def exhausted(max_images: int, used: int, images: int) -> BudgetExhausted:
    return BudgetExhausted(
        f"--max-images {max_images} reached ({used} images already sent by this run); not sending {images} more"
    )


Result = TypeVar("Result")


@dataclass
class SQLiteStore:
    """One SQLite file: pyrate-limiter's file-locked `SQLiteBucket`, plus tables for the count and the stop flag."""

    path: Path
    key: str

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def check(self) -> None:
        self._run(lambda db: db.execute("SELECT 1"))

    def rate_bucket(self, rates: list[Any]) -> Any:
        from pyrate_limiter import SQLiteBucket

        self.path.parent.mkdir(parents=True, exist_ok=True)
        return SQLiteBucket.init_from_file(rates, table="rate_bucket", db_path=str(self.path), use_file_lock=True)

    def reserve(self, images: int, max_images: int) -> int:
        def add(db: sqlite3.Connection) -> int:
            db.execute("BEGIN IMMEDIATE")
            used = self._count(db)
            if used + images > max_images:
                db.execute("ROLLBACK")
                raise exhausted(max_images, used, images)
            db.execute("INSERT INTO spent (key, images) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET images = ?",
                       (self.key, used + images, used + images))
            db.execute("COMMIT")
            return used

        return self._run(add)

    def spent(self) -> int:
        return self._run(self._count)

    def stop(self, reason: str) -> None:
        self._run(lambda db: db.execute("INSERT OR IGNORE INTO stops (key, reason) VALUES (?, ?)", (self.key, reason)))

    def stopped(self) -> str | None:
        row = self._run(lambda db: db.execute("SELECT reason FROM stops WHERE key = ?", (self.key,)).fetchone())
        return str(row[0]) if row else None

    def _count(self, db: sqlite3.Connection) -> int:
        row = db.execute("SELECT images FROM spent WHERE key = ?", (self.key,)).fetchone()
        return int(row[0]) if row else 0

    def _run(self, action: Callable[[sqlite3.Connection], Result]) -> Result:
        """Run `action` on a fresh connection (closed after), turning SQLite failures into BudgetStoreError."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise BudgetStoreError(f"the budget store {self.url} cannot be opened: {exc}") from None
        try:
            db.execute("CREATE TABLE IF NOT EXISTS spent (key TEXT PRIMARY KEY, images INTEGER NOT NULL)")
            db.execute("CREATE TABLE IF NOT EXISTS stops (key TEXT PRIMARY KEY, reason TEXT NOT NULL)")
            return action(db)
        except sqlite3.Error as exc:
            raise BudgetStoreError(f"the budget store {self.url} failed: {exc}") from None
        finally:
            db.close()


_RESERVE_SCRIPT = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local images = tonumber(ARGV[1])
if used + images > tonumber(ARGV[2]) then return {0, used} end
redis.call('SET', KEYS[1], used + images, 'EX', tonumber(ARGV[3]))
return {1, used}
"""
"""Check and add in one step, so processes on several machines never pass `--max-images` together."""


@dataclass
class RedisStore:
    """A Redis server shared by every machine of a run: pyrate-limiter's `RedisBucket` plus two keys beside it."""

    url: str
    key: str
    _client: Any = field(default=None, repr=False)

    def check(self) -> None:
        self._call("is unreachable", lambda client: client.ping())

    def rate_bucket(self, rates: list[Any]) -> Any:
        from pyrate_limiter import RedisBucket

        return self._call("is unreachable", lambda client: RedisBucket.init(rates, client, f"{self.key}:rate"))

    def reserve(self, images: int, max_images: int) -> int:
        def add(client: Any) -> tuple[int, int]:
            admitted, used = client.eval(_RESERVE_SCRIPT, 1, f"{self.key}:spent", images, max_images, REDIS_TTL_SECONDS)
            return int(admitted), int(used)

        admitted, used = self._call("stopped answering", add)
        if not admitted:
            raise exhausted(max_images, used, images)
        return used

    def spent(self) -> int:
        return int(self._call("stopped answering", lambda client: client.get(f"{self.key}:spent")) or 0)

    def stop(self, reason: str) -> None:
        self._call("stopped answering", lambda client: client.set(f"{self.key}:stop", reason, nx=True, ex=REDIS_TTL_SECONDS))

    def stopped(self) -> str | None:
        value = self._call("stopped answering", lambda client: client.get(f"{self.key}:stop"))
        return value.decode() if isinstance(value, bytes) else value

    def _call(self, failing: str, action: Callable[[Any], Result]) -> Result:
        """Run `action` with the client, turning every Redis failure into a BudgetStoreError naming the store."""
        import redis

        try:
            if self._client is None:
                self._client = redis.Redis.from_url(
                    self.url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS,
                )
            return action(self._client)
        except redis.RedisError as exc:
            raise BudgetStoreError(f"the budget store {display_url(self.url)} {failing}: {exc}") from None


STORE_SCHEMES: dict[str, Callable[[str, str], BudgetStore]] = {
    "redis": RedisStore,
    "rediss": RedisStore,
    "sqlite": lambda url, key: SQLiteStore(Path(urlsplit(url).path), key),
}
"""`--budget-url` schemes and the store each opens."""


def open_store(url: str, key: str) -> BudgetStore:
    """The store a `--budget-url` names; an unknown scheme is an error that lists the known ones."""
    scheme = urlsplit(url).scheme
    if scheme not in STORE_SCHEMES:
        known = ", ".join(f"{name}://" for name in STORE_SCHEMES)
        raise ImageContractError(
            f"--budget-url {display_url(url)!r}: expected a URL starting with one of {known} "
            f"(for example redis://127.0.0.1:6379/0)"
        )
    return STORE_SCHEMES[scheme](url, key)


def default_path(rootdir: Path, run: str) -> Path:
    """Without `--budget-url`: a SQLite file under the run's directory, shared by the xdist workers of this machine."""
    return rootdir / ".imagecontract" / f"budget-{run}.sqlite"


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


def retry_wait_text(headers: Mapping[str, str], wait: float) -> str:
    """How a retry waited, naming `Retry-After` only when the target sent one."""
    if "retry-after" in {name.lower() for name in headers}:
        return f"retried after Retry-After {wait:g} s"
    return f"retried after {wait:g} s (no Retry-After header)"
