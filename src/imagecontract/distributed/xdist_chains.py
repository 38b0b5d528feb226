"""Under pytest-xdist, a chain of requests runs on one worker.

A request that uploads an image saved by an earlier one needs that image in its
own process; spread over workers it would run its producer again (more images,
more cost). xdist's own `loadgroup` marks would do it but rename every test
(`id@group`), so reports of sharded and unsharded runs would no longer match;
this scheduler keeps the ids and makes each chain one xdist scope instead.
"""

from __future__ import annotations

from typing import Any, Mapping


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
