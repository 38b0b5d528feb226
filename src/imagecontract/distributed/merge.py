"""Merge shards' `summary.json` files into the summary one unsharded run of the same tests writes.

Plain data in, data out (no pytest): records are ordered by their collection
`index` and every derived part (counts, endpoint table, latency) is recomputed
by `report.summary.run_summary`, the function an ordinary run uses, so the
merged document cannot drift from an unsharded one.

Run shape: every shard must have the same format version, target, mode and
collection (`run.collected`); a plain merge refuses shards of different
targets. A matrix run is laid out as `DIR/<target>/summary.json`; its shards
are grouped by target directory and merged per target, so target and mode
differ only between those groups.

A test recorded by two shards is kept twice (never silently dropped) and
reported; a test a shard selected but did not record, or one named by
`expected` that no shard ran, is reported missing.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from imagecontract.errors import MergeInputError
from imagecontract.report.pictures import ImageStore
from imagecontract.report.summary import SUMMARY_FORMAT, SUMMARY_NAME, run_summary

MATRIX_NAME = "matrix.json"
"""What `imagecontract matrix` writes beside the target directories: it gives the columns' order and reference."""


@dataclass(frozen=True)
class Shard:
    """One `summary.json` and where it came from (for messages)."""

    source: Path
    summary: Mapping[str, Any]


@dataclass
class Merged:
    """The merged `summary.json` and what is wrong with the shards' coverage."""

    summary: dict[str, Any]
    duplicated: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [*self.duplicated, *self.missing]


def read_shard(path: Path) -> Shard:
    """A `summary.json` (or a directory holding one), checked to be a summary of this format version."""
    file = path / SUMMARY_NAME if path.is_dir() else path
    if not file.is_file():
        raise MergeInputError(f"{file}: no such file (give a {SUMMARY_NAME} or the directory that holds one)")
    try:
        summary = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise MergeInputError(f"{file}: not JSON ({exc}); give the {SUMMARY_NAME} a run wrote") from None
    found = summary.get("format") if isinstance(summary, dict) else None
    if found != SUMMARY_FORMAT:
        raise MergeInputError(f"{file}: format {found!r}, expected {SUMMARY_FORMAT!r}; "
                              "re-run that shard with this version of imagecontract")
    absent = [key for key in _REQUIRED if not isinstance(summary.get(key), dict | list)]
    absent += [f"run.{key}" for key in _REQUIRED_RUN if key not in summary.get("run", {})]
    if absent:
        raise MergeInputError(f"{file}: {', '.join(absent)} missing; the file is damaged, re-run that shard")
    return Shard(file, summary)


_REQUIRED = ("run", "tests", "images")
_REQUIRED_RUN = ("target", "mode", "started", "duration", "collected", "selected")


def locate(paths: Sequence[Path]) -> dict[str | None, list[Shard]]:
    """Shards by target: `{None: [...]}` for shards of one run, `{target: [...]}` for matrix directories."""
    groups: dict[str | None, list[Shard]] = defaultdict(list)
    for path in paths:
        if path.is_dir() and not (path / SUMMARY_NAME).exists():
            targets = sorted(child for child in path.iterdir() if (child / SUMMARY_NAME).is_file())
            if not targets:
                raise MergeInputError(f"{path}: no {SUMMARY_NAME} in it nor in its subdirectories "
                                      f"(a run writes reports/{SUMMARY_NAME}, a matrix run reports/<target>/{SUMMARY_NAME})")
            for target in _matrix_order(path, targets):
                groups[target.name].append(read_shard(target))
        else:
            groups[None].append(read_shard(path))
    if None in groups and len(groups) > 1:
        plain = ", ".join(str(shard.source) for shard in groups[None])
        raise MergeInputError(f"{plain}: a single run's summary mixed with matrix directories; merge them separately")
    return dict(groups)


def _matrix_order(directory: Path, targets: list[Path]) -> list[Path]:
    """Target directories in the shard matrix's column order when its `matrix.json` is there, else by name."""
    position = {name: index for index, name in enumerate(matrix_facts([directory])["targets"])}
    return sorted(targets, key=lambda target: (position.get(target.name, len(position)), target.name))


def matrix_facts(paths: Iterable[Path]) -> dict[str, Any]:
    """`targets` (column order) and `reference` from the first shard directory with a `matrix.json`."""
    for path in paths:
        matrix = path / MATRIX_NAME
        if not matrix.is_file():
            continue
        try:
            found = json.loads(matrix.read_text(encoding="utf-8"))
            return {"targets": list(found.get("targets") or []), "reference": found.get("reference")}
        except (ValueError, AttributeError, TypeError):
            raise MergeInputError(f"{matrix}: not a matrix.json written by imagecontract matrix; remove it or re-run") from None
    return {"targets": [], "reference": None}


def merge_summaries(shards: Sequence[Shard], expected: Sequence[str] | None = None) -> Merged:
    """One summary from `shards` of one run; `expected` (node ids) adds a check that each of them ran."""
    if not shards:
        raise MergeInputError("nothing to merge: give at least one summary.json or directory")
    first = shards[0]
    for shard in shards[1:]:
        _same_run(first, shard)
    records: list[dict[str, Any]] = []
    images = ImageStore()
    seen: dict[str, list[str]] = defaultdict(list)
    for shard in shards:
        for record in shard.summary["tests"]:
            records.append(record)
            seen[record["nodeid"]].append(str(shard.source))
        images.update(ImageStore.from_json(shard.summary["images"]))
    runs = [shard.summary["run"] for shard in shards]
    started = min(_epoch(run["started"]) for run in runs)
    ended = max(_epoch(run["started"]) + run["duration"] for run in runs)
    collected = first.summary["run"]["collected"]
    selected = sorted({index for run in runs for index in run["selected"]})
    summary = run_summary(records, images, target=first.summary["run"]["target"], mode=first.summary["run"]["mode"],
                          started=started, duration=ended - started, collected=collected, selected=selected,
                          interrupted=any(run.get("interrupted", False) for run in runs))
    merged = Merged(summary)
    merged.duplicated = [f"duplicated across shards: {nodeid} in {' and '.join(sources)}"
                         for nodeid, sources in seen.items() if len(sources) > 1]
    absent: dict[str, str] = {}
    for nodeid, reason in _wanted(shards, expected):
        if nodeid not in seen:
            absent.setdefault(nodeid, reason)
    merged.missing = [f"missing: {nodeid} ({reason})" for nodeid, reason in absent.items()]
    if expected is not None:
        wanted = set(expected)
        merged.unexpected = [f"not expected: {nodeid}" for nodeid in seen if nodeid not in wanted]
    return merged


def _wanted(shards: Sequence[Shard], expected: Sequence[str] | None) -> Iterable[tuple[str, str]]:
    """Every test some input says should have run, with who says so."""
    for shard in shards:
        names = shard.summary["run"]["collected"]
        for index in shard.summary["run"]["selected"]:
            yield names[index], f"selected by {shard.source} but not in its results"
    plan = shards[0].summary["run"].get("shard")
    present = {shard.summary["run"]["shard"]["index"] for shard in shards if shard.summary["run"].get("shard")}
    for number, nodeids in enumerate(plan["plan"] if plan else [], start=1):
        reason = "in no result" if number in present else "its summary is not among the inputs"
        yield from ((nodeid, f"planned for shard {number}/{plan['total']}, {reason}") for nodeid in nodeids)
    for nodeid in expected or ():
        yield nodeid, "expected, but in no shard"


def _plan(run: Mapping[str, Any]) -> Any:
    shard = run.get("shard")
    return (shard["total"], shard["plan"]) if shard else None


_SHAPE: tuple[tuple[str, Callable[[Mapping[str, Any]], Any], str], ...] = (
    ("target", lambda run: run["target"], "merge shards of one target; for several targets use a matrix run's <target>/ directories"),
    ("mode", lambda run: run["mode"], "shards of one run all replay, or all run live"),
    ("collection", lambda run: run["collected"], "every shard must collect the same collections with the same arguments"),
    ("shard plan", _plan, "run every shard with the same --shard total, selection and cassettes"),
)
"""What shards of one run share: (what it is, how to read it from `run`, the fix)."""


def _same_run(first: Shard, other: Shard) -> None:
    for what, read, fix in _SHAPE:
        mine, theirs = read(first.summary["run"]), read(other.summary["run"])
        if mine != theirs:
            shown = f": {theirs!r} against {mine!r}" if isinstance(mine, str) else ""
            raise MergeInputError(f"{other.source}: its {what} differs from {first.source}'s{shown}; "
                                  f"not shards of one run ({fix})")


def _epoch(text: str) -> float:
    return datetime.datetime.fromisoformat(text).timestamp()


def read_expected(path: Path) -> list[str]:
    """Node ids, one a line: `imagecontract run --collect-only -q > tests.txt` writes such a file (other lines are ignored)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MergeInputError(f"{path}: cannot read the expected tests ({exc.strerror})") from None
    return [line.strip() for line in text.splitlines() if "::" in line]
