"""Data-driven runs, as Newman's `-d`: `--iteration-data FILE` holds rows of variables (CSV with a header
line, or a JSON list of objects), and every request of every collection runs once per row.

Each row becomes its own copy of a collection: the requests named `NAME [row N]` (so test ids, cassettes
and the report name the row), and the row's values as the first variables its requests see (a value saved
by an earlier request of the same row still wins). Chains stay inside their row.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path
from typing import Any, Mapping, Sequence

from imagecontract.collection.model import Collection, RequestSpec
from imagecontract.errors import CollectionError

Row = Mapping[str, Any]


def load_rows(path: Path) -> list[Row]:
    """The rows of an iteration data file, or a `CollectionError` naming the file, the row and the fix."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CollectionError(str(path), "", "file not found (--iteration-data takes a .csv or .json file)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CollectionError(str(path), "", f"cannot be read as UTF-8 text: {exc}") from None
    rows = _json_rows(path, text) if path.suffix.lower() == ".json" else _csv_rows(path, text)
    if not rows:
        raise CollectionError(str(path), "", "holds no rows; give at least one row of variables")
    return rows


def _json_rows(path: Path, text: str) -> list[Row]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CollectionError(str(path), "", f"invalid JSON: {exc}") from None
    if not isinstance(data, list):
        raise CollectionError(str(path), "", "expected a JSON list of objects, one per iteration")
    for index, row in enumerate(data):
        if not isinstance(row, dict):
            raise CollectionError(str(path), f"[{index}]", f"expected an object of variables, got {type(row).__name__}")
    return [{str(name): value for name, value in row.items()} for row in data]


def _csv_rows(path: Path, text: str) -> list[Row]:
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if not header or any(not name.strip() for name in header):
        raise CollectionError(str(path), "line 1", "expected a header line naming every column (the variables)")
    rows = []
    for line, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            raise CollectionError(str(path), f"line {line}",
                                  f"has {len(values)} values for {len(header)} columns ({', '.join(header)})")
        rows.append({name.strip(): value for name, value in zip(header, values)})
    return rows


def row_label(number: int) -> str:
    return f"row {number}"


def iterations(collection: Collection, rows: Sequence[Row] | None) -> list[tuple[Collection, Row]]:
    """The collection once per row (its requests renamed for the row), or as it is without iteration data."""
    if not rows:
        return [(collection, {})]
    return [(_for_row(collection, number), row) for number, row in enumerate(rows, start=1)]


def _for_row(collection: Collection, number: int) -> Collection:
    renamed = tuple(dataclasses.replace(spec, name=f"{spec.name} [{row_label(number)}]") for spec in collection.requests)
    return dataclasses.replace(collection, requests=renamed)


def find_request(expanded: Sequence[tuple[Collection, Row]], name: str) -> tuple[Collection, RequestSpec]:
    """The collection copy and request a test's name refers to."""
    for collection, _ in expanded:
        for spec in collection.requests:
            if spec.name == name:
                return collection, spec
    raise KeyError(name)
