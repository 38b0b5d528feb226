"""A run's process moves what exists after collection out of the garbage collector's sight (`gc.freeze`).

Imports, the plugins and the collected items are some 60,000 long-lived objects that every full collection
walks again: about 1 ms of a replayed request's CPU went to the collector, and pytest's two collections at the
end of a session took 0.2 s. Frozen objects are never freed, so `imagecontract run` loads this plugin only into
its own processes (the controller and xdist's workers), and the controller unfreezes them when pytest returns
(`unfreeze`), in case it was called in-process.
"""

from __future__ import annotations

import gc

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    gc.freeze()


def unfreeze() -> None:
    """Give the frozen objects back to the collector."""
    gc.unfreeze()
