"""The run's stash keys, shared by the plugin, its items and the report wiring (so none imports another's hooks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from imagecontract.collection.targets import Target
from imagecontract.distributed.shard import ShardSpec
from imagecontract.run.engine import RequestResult
from imagecontract.run.prefetch import Prefetcher
from imagecontract.settings import RunSettings

SETTINGS = pytest.StashKey[RunSettings]()
RESULT = pytest.StashKey[RequestResult]()
RESULTS = pytest.StashKey[list[RequestResult]]()
TARGET = pytest.StashKey[Target | None]()
SHARD = pytest.StashKey[ShardSpec | None]()
SHARD_PLAN = pytest.StashKey[list[list[str]]]()
"""Every shard's node ids, as this process planned them (for the summary, so merging can tell what is missing)."""
SHARD_PLAN_OUTPUT = "imagecontract_shard_plan"
"""The key of the shard plan in an xdist worker's `workeroutput`."""
ESTIMATED = pytest.StashKey[bool]()
CHAIN_SCOPES = pytest.StashKey[dict[str, str]]()
"""Under xdist: node id of each chained test -> its chain's first node id, so one worker runs the chain."""
PREFETCHER = pytest.StashKey[Prefetcher[str, RequestResult]]()
ROWS = pytest.StashKey["list[Any] | None"]()
"""`--iteration-data` rows, or None: every request runs once per row."""
FRESH_STORE = pytest.StashKey[Path]()
"""The SQLite budget file of a run nobody else can join, removed when the run ends."""
CLIENT = pytest.StashKey[Any]()
"""The run's one shared HTTP client, created on first use."""
UNSUPPORTED = pytest.StashKey["str | None"]()
"""On a request item: why its target skips it, or None (`plugin.declared_unsupported`)."""
