"""Ctrl-C for the runs the tests start as processes, as a user's terminal delivers it."""

from __future__ import annotations

import signal


def sigint_as_in_a_terminal() -> None:
    """`preexec_fn` of a child that a test interrupts: SIGINT back to its default before the exec.

    A shell without job control starts background jobs with SIGINT ignored (a CI step, `cmd &` in a script), and
    an ignored signal stays ignored across fork and exec, so the child's Python would never raise
    KeyboardInterrupt and the test would measure the launcher instead of imagecontract.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
