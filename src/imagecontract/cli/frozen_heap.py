"""A run's process keeps the garbage collector out of its start-up and away from its long-lived objects.

Start-up (imports, plugins, collections) allocates some 400,000 objects that live to the end of the run, and
each full collection walks them all: about 0.15 s of a short run's start-up went to collections that freed
nothing, and about 1 ms of every replayed request after it. So a command that runs pytest in this process
`pause`s the collector before its imports; once the tests are collected, what exists is frozen (`gc.freeze`:
never collected again) and the collector resumes for what the tests make. Frozen objects are never freed, so
only `imagecontract`'s own processes load this plugin (the run's and xdist's workers, which freeze only), and
`resume` gives them back when pytest returns, in case it was called in-process.

No pytest import here: `pause` runs before pytest is imported.
"""

from __future__ import annotations

import gc
from typing import Any


def pause() -> None:
    """No cyclic collection until the tests are collected (or `resume`)."""
    gc.disable()


def pytest_collection_finish(session: Any) -> None:
    gc.freeze()
    gc.enable()


def resume() -> None:
    """Everything frozen back under the collector, which runs again."""
    gc.unfreeze()
    gc.enable()
