"""`--shard K/N`: split the selected requests into N deterministic, balanced parts.

Plain code with no pytest in it. Requests are first joined into groups that must
run together (a request that uploads an image or uses a value saved by an earlier
request stays with it), each group is weighed by the latencies recorded in its
cassettes (else the endpoint's default budget; under `--rate-limit`, at least the
time the rate gives its images), and the groups are dealt out longest first to
the lightest shard. Every shard computes the same plan from the
same selection, so the N shards together run every test exactly once.

pytest-split balances by a durations file and splits individual tests; it cannot
keep a chain together, which is why the plan is ours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import yaml

from imagecontract.collection.model import RequestSpec
from imagecontract.errors import ImageContractError
from imagecontract.image_budget.budget import request_images
from imagecontract.latency import default_budget

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class ShardSpec:
    """Which part of how many: `--shard 2/3` is index 2 of total 3 (1-based, as CI matrices count)."""

    index: int
    total: int

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


def parse_shard(text: str) -> ShardSpec:
    """`K/N` with 1 <= K <= N, else an error that says what was expected and what came."""
    match = _SHARD.match(text or "")
    if not match:
        raise ImageContractError(f"--shard {text!r}: expected K/N, such as 1/3 (the first of three shards)")
    index, total = int(match.group(1)), int(match.group(2))
    if total < 1 or not 1 <= index <= total:
        raise ImageContractError(f"--shard {text!r}: K must be between 1 and N (N >= 1), got K={index}, N={total}")
    return ShardSpec(index, total)


@dataclass(frozen=True)
class Unit:
    """One selected test as the planner sees it: its id, its collection file, its request, and its cassette."""

    nodeid: str
    collection: str
    spec: RequestSpec
    cassette: Path | None = None


def chain_groups(units: Sequence[Unit]) -> list[list[Unit]]:
    """Units joined with every earlier unit of their collection whose `save:` they use; order kept inside a group."""
    parent = list(range(len(units)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    saved_by: dict[tuple[str, str], int] = {}
    for i, unit in enumerate(units):
        for name in unit.spec.uses:
            producer = saved_by.get((unit.collection, name))
            if producer is not None:
                parent[root(i)] = root(producer)
        for name in unit.spec.save:
            saved_by[(unit.collection, name)] = i
    groups: dict[int, list[Unit]] = {}
    for i, unit in enumerate(units):
        groups.setdefault(root(i), []).append(unit)
    return list(groups.values())


def recorded_seconds(cassette: Path | None) -> float | None:
    """The latencies a cassette recorded, summed; None when there is none or it cannot be read.

    A url-mode answer's image downloads are interactions without a latency of their own: they do not count."""
    from imagecontract.cassettes.storage import LATENCY  # vcrpy with it, only when shards are weighed

    if cassette is None or not cassette.is_file():
        return None
    try:
        document = yaml.load(cassette.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        responses = [interaction["response"] for interaction in document["interactions"]]
        timed = [float(response[LATENCY]) for response in responses if LATENCY in response]
        return float(sum(timed)) if timed else None
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError):
        return None


def estimated_seconds(unit: Unit) -> float:
    """How long a unit is expected to take: its cassette's recorded latency, else the endpoint's default budget."""
    recorded = recorded_seconds(unit.cassette)
    if recorded is not None:
        return recorded
    size = (unit.spec.json or {}).get("size") if isinstance(unit.spec.json, dict) else None
    return default_budget(unit.spec.endpoint, str(size) if size else None) * max(1, unit.spec.repeat)


def rate_limited_seconds(images_per_minute: int, window: float) -> Callable[[Unit], float]:
    """Under `--rate-limit`, a unit takes at least the window's share of its images: where the rate binds,
    images are what a shard spends its time on, not latency."""

    def weigh(unit: Unit) -> float:
        images = request_images(unit.spec, {})
        return max(estimated_seconds(unit), images * window / images_per_minute)

    return weigh


def plan(units: Sequence[Unit], total: int, weigh: Callable[[Unit], float] = estimated_seconds) -> list[list[str]]:
    """Node ids per shard (index 0 is shard 1), each list in collection order.

    Groups go longest first to the lightest shard (ties: the lower shard), so the plan
    depends only on the selection and the recorded latencies, never on the machine.
    """
    order = {unit.nodeid: position for position, unit in enumerate(units)}
    weighed = [(sum(weigh(unit) for unit in group), group) for group in chain_groups(units)]
    weighed.sort(key=lambda pair: (-round(pair[0], 6), order[pair[1][0].nodeid]))
    loads = [0.0] * total
    shards: list[list[str]] = [[] for _ in range(total)]
    for weight, group in weighed:
        lightest = min(range(total), key=lambda index: (round(loads[index], 6), index))
        loads[lightest] += weight
        shards[lightest].extend(unit.nodeid for unit in group)
    return [sorted(ids, key=order.__getitem__) for ids in shards]

