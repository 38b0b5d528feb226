"""The shard planner alone: deterministic, balanced, chains kept together, every test exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest

from imagecontract.collection.loader import load_collection
from imagecontract.collection.model import slugify
from imagecontract.distributed.shard import (
    ShardSpec,
    Unit,
    chain_groups,
    estimated_seconds,
    parse_shard,
    plan,
    recorded_seconds,
)
from imagecontract.errors import ImageContractError

REPO = Path(__file__).resolve().parents[2]


def shipped_units() -> list[Unit]:
    """Every request of the shipped collections, weighed by the bundled cassettes, as `--shard` sees them."""
    units = []
    for path in sorted((REPO / "collections").rglob("*.yaml")):
        if path.name == "targets.yaml":
            continue
        collection = load_collection(path)
        for spec in collection.requests:
            nodeid = f"{path.relative_to(REPO)}::{spec.name}"
            units.append(Unit(nodeid, str(path), spec, REPO / "cassettes" / collection.slug / f"{slugify(spec.name)}.yaml"))
    return units


@pytest.mark.parametrize(("text", "expected"), [("1/3", ShardSpec(1, 3)), (" 3 / 3 ", ShardSpec(3, 3)), ("1/1", ShardSpec(1, 1))])
def test_parse_shard(text: str, expected: ShardSpec) -> None:
    assert parse_shard(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("3", "--shard '3': expected K/N, such as 1/3"),
    ("a/b", "--shard 'a/b': expected K/N"),
    ("0/3", "--shard '0/3': K must be between 1 and N (N >= 1), got K=0, N=3"),
    ("4/3", "K must be between 1 and N (N >= 1), got K=4, N=3"),
    ("1/0", "got K=1, N=0"),
])
def test_parse_shard_errors_say_what_was_expected(text: str, message: str) -> None:
    with pytest.raises(ImageContractError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_shard(text)


@pytest.mark.parametrize("total", [1, 2, 3, 5])
def test_shards_together_hold_every_test_exactly_once(total: int) -> None:
    units = shipped_units()
    shards = plan(units, total)
    together = [nodeid for shard in shards for nodeid in shard]
    assert sorted(together) == sorted(unit.nodeid for unit in units)
    assert len(together) == len(set(together))
    assert plan(units, total) == shards


def test_each_shard_keeps_collection_order() -> None:
    units = shipped_units()
    order = [unit.nodeid for unit in units]
    for shard in plan(units, 3):
        assert shard == sorted(shard, key=order.index)


def test_the_chain_stays_in_one_shard() -> None:
    units = shipped_units()
    chain = [unit.nodeid for unit in units if "chain.yaml" in unit.nodeid]
    assert len(chain) >= 3
    for total in (2, 3, 4):
        holding = [shard for shard in plan(units, total) if set(chain) & set(shard)]
        assert len(holding) == 1 and set(chain) <= set(holding[0])


def test_a_saved_value_used_as_a_variable_joins_its_producer(tmp_path: Path) -> None:
    path = tmp_path / "collections" / "values.yaml"
    path.parent.mkdir()
    path.write_text(
        "name: Values\nrequests:\n"
        "  - {name: first, path: /images/generations, json: {prompt: a}, save: {stamp: created}}\n"
        "  - {name: unrelated, path: /images/generations, json: {prompt: b}}\n"
        "  - {name: second, path: /images/generations, json: {prompt: 'made at {{stamp}}'}}\n"
    )
    spec = load_collection(path)
    groups = chain_groups([Unit(f"v::{s.name}", str(path), s) for s in spec.requests])
    assert sorted(sorted(unit.spec.name for unit in group) for group in groups) == [["first", "second"], ["unrelated"]]


def test_balance_by_recorded_latency_is_within_the_longest_group() -> None:
    units = shipped_units()
    weight = {unit.nodeid: estimated_seconds(unit) for unit in units}
    groups = chain_groups(units)
    heaviest = max(sum(weight[unit.nodeid] for unit in group) for group in groups)
    loads = [sum(weight[nodeid] for nodeid in shard) for shard in plan(units, 3)]
    assert max(loads) - min(loads) <= heaviest


def test_weights_come_from_cassettes_else_the_default_budget(tmp_path: Path) -> None:
    units = shipped_units()
    recorded = next(unit for unit in units if unit.cassette and unit.cassette.is_file())
    assert recorded_seconds(recorded.cassette) == estimated_seconds(recorded)
    missing = Unit(recorded.nodeid, recorded.collection, recorded.spec, tmp_path / "none.yaml")
    assert recorded_seconds(missing.cassette) is None
    assert estimated_seconds(missing) > 1.0
    damaged = tmp_path / "damaged.yaml"
    damaged.write_text("interactions: [{response: {}}]")
    assert recorded_seconds(damaged) is None


def test_under_a_rate_limit_images_weigh_so_each_shard_gets_a_fair_share_of_them() -> None:
    from imagecontract.distributed.shard import rate_limited_seconds
    from imagecontract.image_budget.budget import request_images

    units = shipped_units()
    images = {unit.nodeid: request_images(unit.spec, {}) for unit in units}
    per_shard = [sum(images[nodeid] for nodeid in shard) for shard in plan(units, 3, rate_limited_seconds(8, 5.0))]
    heaviest_group = max(sum(images[unit.nodeid] for unit in group) for group in chain_groups(units))
    assert max(per_shard) - min(per_shard) <= heaviest_group
    by_latency = [sum(images[nodeid] for nodeid in shard) for shard in plan(units, 3)]
    assert max(per_shard) - min(per_shard) < max(by_latency) - min(by_latency)
