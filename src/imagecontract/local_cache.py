"""The caches a run keeps under `.imagecontract/` for later runs, and their pruning.

Parsed cassettes (`cassettes/parsed.py`), texts known valid (`collection/validated.py`) and generated uploads
(`run/uploads.py`) are files named by their content, so nothing in them goes stale, but re-recorded cassettes and
edited collections leave entries nobody reads again. A hit touches its file, so a file's modification time is
its last use; at the end of a run the controller removes the entries unused for `MAX_AGE_DAYS` and, in a folder
over `MAX_ENTRIES`, the least recently used. A removed entry only costs a later run the time to make it again.
"""

from __future__ import annotations

import os
import time
from contextlib import suppress
from pathlib import Path

CACHE_ROOT = ".imagecontract"
"""Below the project's rootdir: the caches, and the run's budget file (`image_budget/stores.py`)."""
PARSED, VALID, UPLOADS = "parsed", "valid", "uploads"
FOLDERS = (PARSED, VALID, UPLOADS)
MAX_AGE_DAYS = 30
MAX_ENTRIES = 5000
"""Per folder: some 5,000 cassettes of a few kB each, or generated uploads of a few kB."""


def used(path: Path) -> None:
    """Mark a cache hit (best effort: a read-only cache is simply never pruned of it)."""
    with suppress(OSError):
        os.utime(path)


def prune(directory: Path, *, now: float | None = None, max_age_days: float = MAX_AGE_DAYS,
          max_entries: int = MAX_ENTRIES) -> int:
    """Remove the files of `directory` unused for `max_age_days`, and the least recently used beyond `max_entries`;
    returns how many were removed. A missing folder, or a file another run removed first, is no error."""
    try:
        with os.scandir(directory) as scan:
            entries = sorted(((entry.stat().st_mtime, entry.path) for entry in scan if entry.is_file()), reverse=True)
    except OSError:
        return 0
    oldest = (time.time() if now is None else now) - max_age_days * 86400
    removed = 0
    for index, (modified, path) in enumerate(entries):
        if index >= max_entries or modified < oldest:
            with suppress(OSError):
                os.unlink(path)
                removed += 1
    return removed


def prune_all(rootdir: Path) -> int:
    """`prune` every cache folder of the project at `rootdir`."""
    return sum(prune(rootdir / CACHE_ROOT / folder) for folder in FOLDERS)
