"""Where every process of a run counts its images: a SQLite file (one machine) or a Redis server (many).

Each store holds a pyrate-limiter rate bucket, the `--max-images` counter and the
stop flag, all under one key made of the run id and the target. A store that
cannot be reached is a `BudgetStoreError` naming it, never a quiet fall-back.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

from imagecontract.errors import BudgetExhausted, BudgetStoreError, ImageContractError
from imagecontract.local_cache import CACHE_ROOT

REDIS_TTL_SECONDS = 2 * 24 * 3600
"""A run's Redis keys expire two days after their last write, so a server shared by nightly runs does not fill up."""

REDIS_TIMEOUT_SECONDS = 5.0
"""Connect and read timeout: a store that stops answering stops the run within seconds, not at the OS's timeout."""


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
    _opened: threading.local = field(default_factory=threading.local, init=False, repr=False, compare=False)

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
        """Run `action` on this thread's connection, turning SQLite failures into BudgetStoreError."""
        db = self._connection()
        try:
            return action(db)
        except sqlite3.Error as exc:
            self._opened.__dict__.clear()
            db.close()
            raise BudgetStoreError(f"the budget store {self.url} failed: {exc}") from None

    def _connection(self) -> sqlite3.Connection:
        """One connection per thread and process, its tables made once: every request asks for the stop flag,
        and opening the file each time cost more than the question."""
        opened = self._opened.__dict__
        if opened.get("pid") == os.getpid():
            return opened["db"]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None, check_same_thread=True)
        except (OSError, sqlite3.Error) as exc:
            raise BudgetStoreError(f"the budget store {self.url} cannot be opened: {exc}") from None
        try:
            db.execute("CREATE TABLE IF NOT EXISTS spent (key TEXT PRIMARY KEY, images INTEGER NOT NULL)")
            db.execute("CREATE TABLE IF NOT EXISTS stops (key TEXT PRIMARY KEY, reason TEXT NOT NULL)")
        except sqlite3.Error as exc:
            db.close()
            raise BudgetStoreError(f"the budget store {self.url} failed: {exc}") from None
        opened.update(pid=os.getpid(), db=db)
        return db


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
        from imagecontract.image_budget.server_clock import ServerClockRedisBucket

        return self._call("is unreachable", lambda client: ServerClockRedisBucket.init(rates, client, f"{self.key}:rate"))

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
    return rootdir / CACHE_ROOT / f"budget-{run}.sqlite"
