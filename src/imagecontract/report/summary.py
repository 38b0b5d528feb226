"""The run summary: run facts plus every test record, written as `summary.json`.

Everything derived (counts, the endpoint/model table, latency statistics) is
computed from the records by the functions here, so merged shards recompute
the same numbers an unsharded run would.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from imagecontract.latency import EndpointLatency, latency_stats
from imagecontract.report.pictures import ImageStore

SUMMARY_FORMAT = "imagecontract-summary/2"
"""/2 added what merging shards needs: each record's collection `index`, `when`, `longrepr`, `sections` and
`retries`; the run's `collected` node ids, `selected` indices and `shard` (`index`, `total`, `plan`: every shard's
node ids) under `--shard`."""
SUMMARY_NAME = "summary.json"
OUTCOMES = ("passed", "failed", "skipped", "error")


def run_summary(
    records: Sequence[Mapping[str, Any]], images: ImageStore, *, target: str, mode: str, started: float, duration: float,
    collected: Sequence[str] = (), selected: Iterable[int] = (), shard: Mapping[str, Any] | None = None,
    interrupted: bool = False,
) -> dict[str, Any]:
    """The whole `summary.json` document; `target` must already be redacted.

    Tests are kept in collection order, so a run spread over processes or shards lists them as one process would.
    An `interrupted` run (Ctrl-C) says so, and how many selected tests it never finished (`not_run`, named in
    `not_run_tests`; also for a run cut short by `-x`), so its counts are not read as a complete run's;
    `complete` is true only when nothing was interrupted or left out.
    """
    selected = sorted(set(selected))
    unfinished = not_run(records, collected, selected)
    return {
        "format": SUMMARY_FORMAT,
        "run": {
            "target": target,
            "mode": mode,
            "started": datetime.datetime.fromtimestamp(started, datetime.timezone.utc).isoformat(timespec="seconds"),
            "duration": round(duration, 3),
            "counts": counts(records),
            "collected": list(collected),
            "selected": selected,
            "shard": dict(shard) if shard else None,
            "interrupted": interrupted,
            "not_run": len(unfinished) or (max(len(selected) - len(records), 0) if interrupted else 0),
            "not_run_tests": unfinished,
            "complete": not interrupted and not unfinished,
        },
        "endpoints": endpoint_model_table(records),
        "latency": [_latency_json(row) for row in latency_rows(records)],
        "tests": sorted(records, key=collection_order),
        "images": images.as_json(),
    }


def not_run(records: Iterable[Mapping[str, Any]], collected: Sequence[str], selected: Iterable[int]) -> list[str]:
    """Selected node ids that have no record, in collection order."""
    recorded = {record["nodeid"] for record in records}
    return [collected[index] for index in selected if index < len(collected) and collected[index] not in recorded]


def collection_order(record: Mapping[str, Any]) -> tuple[bool, int]:
    """Sort key: the item's place in the run's collection; records without one keep their order, last."""
    index = record.get("index")
    return (index is None, index or 0)


def counts(records: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Tests per outcome, and the total."""
    found = Counter(record["outcome"] for record in records)
    return {**{outcome: found.get(outcome, 0) for outcome in OUTCOMES}, "total": sum(found.values())}


def endpoint_model_table(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Outcome counts per (endpoint, model), sorted; requests without an endpoint count as `other`."""
    groups: dict[tuple[str, str], Counter[str]] = {}
    for record in records:
        key = (record["endpoint"] or "other", record["model"] or "-")
        groups.setdefault(key, Counter())[record["outcome"]] += 1
    return [
        {"endpoint": endpoint, "model": model, **{outcome: found.get(outcome, 0) for outcome in OUTCOMES}}
        for (endpoint, model), found in sorted(groups.items())
    ]


def latency_rows(records: Iterable[Mapping[str, Any]]) -> list[EndpointLatency]:
    """p50, p95 and max per endpoint over every exchange, each judged against its own test's budget."""
    return latency_stats(
        (record["endpoint"] or "other", seconds, record["budget"]["max"])
        for record in records if record["budget"] for seconds in record["latency"]
    )


def _latency_json(row: EndpointLatency) -> dict[str, Any]:
    return {
        "endpoint": row.endpoint, "count": row.count, "p50": round(row.p50, 4), "p95": round(row.p95, 4),
        "max": round(row.max, 4), "budget": row.budget, "within_budget": row.within_budget,
        "over": row.over,
    }


def dumps_by_line(document: Mapping[str, Any]) -> str:
    """`document` as JSON, each top-level key on its own line and each item of a top-level list on its own line.

    Readable and diffable per test, and made by json's C encoder (an indented dump runs the pure-Python one,
    which cost about 2 ms per test).
    """
    def compact(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = []
    for key, value in document.items():
        if isinstance(value, list) and value:
            body = "[\n  " + ",\n  ".join(compact(item) for item in value) + "\n ]"
        else:
            body = compact(value)
        lines.append(f" {compact(key)}: {body}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def write_json(path: Path, document: Mapping[str, Any]) -> None:
    """Write `document` so that readers see the old file or the whole new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(dumps_by_line(document))
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
