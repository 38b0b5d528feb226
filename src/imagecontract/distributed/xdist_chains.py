"""Under pytest-xdist, a chain of requests runs on one worker.

A request that uploads an image saved by an earlier one needs that image in its
own process; spread over workers it would run its producer again (more images,
more cost). xdist's own `loadgroup` marks would do it but rename every test
(`id@group`), so reports of sharded and unsharded runs would no longer match;
this scheduler keeps the ids and makes each chain one xdist scope instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from imagecontract.collection.iterations import Row, find_request, iterations
from imagecontract.collection.loader import load_collection
from imagecontract.collection.model import Collection
from imagecontract.distributed.shard import Unit, chain_groups

COLLECTION_SUFFIXES = (".yaml", ".yml")


def chain_scheduler(config: Any, log: Any, scopes: Mapping[str, str]) -> Any:
    """xdist's load-scope scheduling where each test is its own scope, except chains, one scope each.

    `scopes` maps the node id of every chained test to its chain's first node id; it may be
    filled after this call (the controller learns the tests only once the workers collected).
    """
    from xdist.scheduler import LoadScopeScheduling

    class ChainScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return scopes.get(nodeid, nodeid)

    return ChainScheduling(config, log)


def collected_units(ids: Iterable[str], rootdir: Path, rows: Sequence[Row] | None = None,
                    ) -> tuple[dict[str, Collection], list[Unit]]:
    """The requests behind a worker's collected test ids (each collection loaded once), for the controller,
    which collects nothing itself: the collections by relative path, and one unit per request (its
    `--iteration-data` row's copy; a row's copy has the same path, cassette folder and variables)."""
    loaded: dict[str, Collection] = {}
    expanded: dict[str, list[tuple[Collection, Row]]] = {}
    units = []
    for nodeid in ids:
        path, _, name = nodeid.partition("::")
        if Path(path).suffix not in COLLECTION_SUFFIXES:
            continue
        if path not in loaded:
            loaded[path] = load_collection(rootdir / path, display=path)
            expanded[path] = iterations(loaded[path], rows)
        units.append(Unit(nodeid, path, find_request(expanded[path], name)[1]))
    return loaded, units


def chain_scopes(units: list[Unit]) -> dict[str, str]:
    """The node id of every test in a chain of two or more -> its chain's first node id (the scheduler's scopes)."""
    return {unit.nodeid: group[0].nodeid for group in chain_groups(units) if len(group) > 1 for unit in group}
