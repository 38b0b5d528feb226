"""One thread that calls functions at their times, for every request of the process.

A watchdog per request (`deadline.watchdog`) was a `threading.Timer`: a thread started and stopped for each
request and each image download, about 0.18 ms of CPU each time. Here an alarm is an entry in a heap that one
daemon thread sleeps on; cancelling marks the entry, which is dropped when it comes up (or when dead entries
outnumber live ones, as cancelled alarms are the rule: most answers arrive in time).
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
import time
import traceback
from typing import Callable


class Alarm:
    """A call due at `when` (`time.monotonic`), unless cancelled first."""

    __slots__ = ("call", "live", "order", "when")

    def __init__(self, when: float, order: int, call: Callable[[], None]) -> None:
        self.when, self.order, self.call, self.live = when, order, call, True

    def __lt__(self, other: Alarm) -> bool:
        return (self.when, self.order) < (other.when, other.order)


class AlarmClock:
    """Alarms served by one daemon thread, started on first use.

    A forked child starts empty: the parent's alarms belong to the parent's requests, its thread does not exist
    in the child, and its lock may have been held at the fork, so the child gets a new one.
    """

    def __init__(self) -> None:
        self._forget()
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._wake = threading.Condition()
        self._heap: list[Alarm] = []
        self._live = 0
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def set(self, seconds: float, call: Callable[[], None]) -> Alarm:
        """Call `call` on the clock's thread in `seconds`, unless `cancel` comes first."""
        alarm = Alarm(time.monotonic() + seconds, next(self._order), call)
        with self._wake:
            self._start()
            heapq.heappush(self._heap, alarm)
            self._live += 1
            if self._heap[0] is alarm:
                self._wake.notify()
        return alarm

    def cancel(self, alarm: Alarm) -> None:
        """Make sure `alarm` does not go off (it may be going off right now, on the clock's thread)."""
        with self._wake:
            if alarm.live:
                alarm.live = False
                self._live -= 1
                if len(self._heap) > 2 * self._live + 64:
                    self._heap = [entry for entry in self._heap if entry.live]
                    heapq.heapify(self._heap)

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name="imagecontract-alarms", daemon=True)
            self._thread.start()

    def _serve(self) -> None:
        while True:
            with self._wake:
                due = self._next_due()
                if due is None:
                    continue
                due.live = False
                self._live -= 1
            try:
                due.call()
            except Exception:  # one alarm's failure must not silence the others
                traceback.print_exc()

    def _next_due(self) -> Alarm | None:
        """The first live alarm that is due, popped; else None after waiting until one may be (lock held)."""
        while self._heap and not self._heap[0].live:
            heapq.heappop(self._heap)
        if not self._heap:
            self._wake.wait()
            return None
        delay = self._heap[0].when - time.monotonic()
        if delay > 0:
            self._wake.wait(delay)
            return None
        return heapq.heappop(self._heap)


CLOCK = AlarmClock()
"""The process's one clock."""
