"""`--concurrency N`: a live run keeps N requests in flight from one process, and reports them in order.

pytest runs tests one after another, while a live contract test spends nearly all its time waiting
on the target (6-17 s a request). The prefetcher starts every selected request on a pool of N
threads when the run starts, each chain of dependent requests as one task in its order, and each
test only waits for its own outcome: reporting, the HTML report and the summary stay exactly those
of a sequential run, and one process starts instead of N xdist workers.

Plain code with no pytest in it: the plugin gives it the keys (node ids) grouped into chains and the
function that runs one key.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from concurrent.futures import Future, InvalidStateError
from typing import Any, Callable, Generic, Hashable, Sequence, TypeVar

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class PrefetchStopped(Exception):
    """The run stopped before this request was started; nothing was sent for it."""


class Prefetcher(Generic[Key, Value]):
    """Runs `run(key)` for every key on `workers` threads, the keys of one group one after another."""

    def __init__(self, run: Callable[[Key], Value], groups: Sequence[Sequence[Key]], workers: int) -> None:
        self._run = run
        self._stopped = threading.Event()
        self._futures: dict[Key, Future[Value]] = {key: Future() for group in groups for key in group}
        self._groups: queue.SimpleQueue[list[Key]] = queue.SimpleQueue()
        for group in groups:
            self._groups.put(list(group))
        self._threads = [threading.Thread(target=self._work, name=f"imagecontract-{index}", daemon=True)
                         for index in range(max(1, min(workers, len(groups))))]
        for thread in self._threads:
            thread.start()

    def result(self, key: Key) -> Value:
        """The outcome of `key`, once its request ran: its value, or the exception it raised, raised here."""
        return self._futures[key].result()

    def __contains__(self, key: object) -> bool:
        return key in self._futures

    def stop(self) -> None:
        """Start nothing more; requests already sent finish, and waiting keys fail with PrefetchStopped."""
        self._stopped.set()

    def close(self, *, wait: bool = True) -> None:
        """Stop, and wait for the requests in flight (each bounded by its timeout) so none outlives the run.

        An interrupted run does not wait: the threads are daemons, so they do not hold the process either.
        """
        self.stop()
        for thread in self._threads if wait else ():
            thread.join()
        for future in self._futures.values():
            _settle(future, PrefetchStopped("the run stopped before this request was sent"))

    def _work(self) -> None:
        while True:
            try:
                keys = self._groups.get_nowait()
            except queue.Empty:
                return
            self._run_group(keys)

    def _run_group(self, keys: list[Key]) -> None:
        for key in keys:
            future = self._futures[key]
            if self._stopped.is_set():
                _settle(future, PrefetchStopped("the run stopped before this request was sent"))
                continue
            try:
                _settle(future, result=self._run(key))
            except BaseException as exc:  # handed to the waiting test as it is: a skip, a stop, a failure
                _settle(future, exc)


def _settle(future: Future[Value], error: BaseException | None = None, *, result: Any = None) -> None:
    """Give `future` its outcome unless it has one: an interrupted run settles waiting keys from another thread."""
    with contextlib.suppress(InvalidStateError):
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
