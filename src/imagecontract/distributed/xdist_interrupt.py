"""Ctrl-C under pytest-xdist: the controller stops waiting for its workers after a moment.

On an interrupted run xdist's controller waits up to `NodeManager.EXIT_TIMEOUT` (10 s) for every worker to
finish its own session before killing it. The workers were interrupted too (Ctrl-C reaches the whole process
group), so their answers are lost either way, and their teardown (other plugins' terminal summaries, imports)
only delays the user's prompt. xdist has no option or hook for that wait, so this sets it on the run's node
manager: one attribute, only once the run is interrupted.
"""

from __future__ import annotations

from typing import Any

INTERRUPTED_EXIT_SECONDS = 1.0
"""How long an interrupted controller waits for its workers to come down before killing them."""


def stop_waiting_for_workers(pluginmanager: Any) -> bool:
    """Shorten the controller's wait for its workers; False when this process is no xdist controller."""
    dsession = pluginmanager.get_plugin("dsession")
    nodemanager = getattr(dsession, "nodemanager", None)
    if nodemanager is None:
        return False
    nodemanager.EXIT_TIMEOUT = INTERRUPTED_EXIT_SECONDS
    return True
