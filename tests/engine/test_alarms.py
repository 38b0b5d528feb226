"""The alarm clock behind every request's watchdog: one thread, alarms in time order, cancelled ones silent."""

from __future__ import annotations

import os
import threading

from imagecontract.run.alarms import AlarmClock


def test_alarms_go_off_in_time_order_and_cancelled_ones_never_do() -> None:
    clock = AlarmClock()
    fired: list[str] = []
    done = threading.Event()
    with clock._wake:  # held, the clock cannot go off before all three are set and one cancelled, however slow this is
        clock.set(0.15, lambda: (fired.append("last"), done.set()))
        clock.set(0.05, lambda: fired.append("first"))
        cancelled = clock.set(0.10, lambda: fired.append("cancelled"))
        clock.cancel(cancelled)

    assert done.wait(30)
    assert fired == ["first", "last"]


def test_many_cancelled_alarms_leave_one_thread_and_a_small_heap() -> None:
    clock = AlarmClock()
    before = threading.active_count()
    for _ in range(1000):
        clock.cancel(clock.set(600, lambda: None))

    assert threading.active_count() <= before + 1
    assert len(clock._heap) <= 64


def test_a_failing_alarm_does_not_stop_the_clock(capsys) -> None:
    clock = AlarmClock()
    done = threading.Event()
    clock.set(0.01, lambda: 1 / 0)
    clock.set(0.05, done.set)

    assert done.wait(30)
    assert "ZeroDivisionError" in capsys.readouterr().err


def test_a_child_forked_while_the_clock_is_busy_gets_a_clock_of_its_own() -> None:
    clock = AlarmClock()
    clock.set(600, lambda: None)
    with clock._wake:  # the parent's clock thread could hold its lock at the moment of a fork
        pid = os.fork()
        if pid == 0:  # the child: its alarm must go off, on a thread of its own, with none of the parent's alarms
            done = threading.Event()
            clock.set(0.01, done.set)
            os._exit(0 if done.wait(30) and len(clock._heap) == 0 else 1)
    _, status = os.waitpid(pid, 0)

    assert os.waitstatus_to_exitcode(status) == 0
    assert len(clock._heap) == 1
