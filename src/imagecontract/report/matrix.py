"""The compatibility matrix: capabilities (rows) by targets (columns), built from run summaries.

Pure data in, text out: each target's `summary.json` becomes a column, so the
matrix of sharded or separately run targets is built the same way.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from imagecontract.report.matrix_causes import (
    Cause,
    Finding,
    count_totals,
    decision_html,
    decision_markdown,
    findings_of,
    group_causes,
)

UNSUPPORTED_PREFIX = "declared unsupported"

SYMBOLS = {"pass": "pass", "fail": "FAIL", "advisory": "advisory", "unsupported": "unsupported", "skipped": "skipped",
           "missing": "-", "running": "running"}
COLOURS = {"pass": "#dff0d8", "fail": "#f2dede", "advisory": "#fff3cd", "unsupported": "#e8e8e8", "skipped": "#fcf8e3",
           "missing": "#ffffff", "running": "#eef3fb"}
REFRESH_SECONDS = 3
"""How often a page written while targets still run reloads itself."""


@dataclass(frozen=True)
class Cell:
    """One capability on one target: a verdict, unless it passed why, and what the answer looked like."""

    verdict: str
    reason: str = ""
    findings: tuple[Finding, ...] = ()
    status: int | None = None
    latency: float | None = None
    overhead: float | None = None
    """Sandwich mode: seconds the gateway added (client latency minus upstream latency)."""
    attempts: int | None = None
    """Sandwich mode: how often the upstream was called."""

    @property
    def signature(self) -> tuple[str, frozenset[tuple[str, str, str, str]]]:
        """What "differs from the reference" compares: the verdict and every reason (URLs and digests aside)."""
        return self.verdict, frozenset(finding.exact_key for finding in self.findings)

    def facts(self) -> str:
        """`400 · 0.12 s · +0.03 s · 2 upstream calls`, the parts that are known."""
        parts = [str(self.status)] if self.status is not None else []
        parts += [f"{self.latency:.2f} s"] if self.latency is not None else []
        parts += [f"+{self.overhead:.2f} s gateway"] if self.overhead is not None else []
        parts += [f"{self.attempts} upstream call{'s' if self.attempts != 1 else ''}"] if self.attempts is not None else []
        return " · ".join(parts)


@dataclass(frozen=True)
class Capability:
    """A row: one request of the collections (endpoint x model x parameters or error case)."""

    nodeid: str
    endpoint: str
    model: str
    name: str


@dataclass
class Matrix:
    targets: list[str]
    rows: list[Capability]
    cells: dict[tuple[str, str], Cell]
    reference: str | None = None
    running: list[str] = field(default_factory=list)
    """Targets whose run has not finished yet (their cells show as running)."""

    def cell(self, row: Capability, target: str) -> Cell:
        if target in self.running:
            return Cell("running", "this target's run has not finished yet")
        return self.cells.get((row.nodeid, target), Cell("missing", "not run on this target"))

    def varies(self, row: Capability) -> bool:
        """Whether the finished targets give this row different verdicts (what the page's filter keeps)."""
        return len({self.cell(row, target).verdict for target in self.targets if target not in self.running}) > 1

    def differences(self, row: Capability) -> list[str]:
        """Targets whose verdict on `row`, or whose reasons, differ from the reference's."""
        if self.reference is None:
            return []
        expected = self.cell(row, self.reference).signature
        return [target for target in self.targets if target != self.reference and self.cell(row, target).signature != expected]

    @property
    def all_pass(self) -> bool:
        return all(self.cell(row, target).verdict == "pass" for row in self.rows for target in self.targets)

    def totals(self) -> dict[str, dict[str, int]]:
        """Per target: how many capabilities pass, fail, draw only advisories, are skipped or declared unsupported."""
        return count_totals((target, self.cell(row, target).verdict)
                            for target in self.targets if target not in self.running for row in self.rows)

    def causes(self) -> list[Cause]:
        """Failures and advisories grouped by root cause (same check, path and reason shape), per target."""
        return group_causes((target, row.nodeid, self.cell(row, target).findings)
                            for target in self.targets for row in self.rows)


def cell_of(record: Mapping[str, Any]) -> Cell:
    """A summary record's verdict: failing checks and errors give the reason shown on hover; a pass with
    advisory findings is `advisory`."""
    outcome = record.get("outcome")
    response = (record.get("exchange") or {}).get("response") or {}
    upstream = record.get("upstream") or {}
    facts = {"status": response.get("status"), "latency": response.get("latency"),
             "overhead": upstream.get("overhead"), "attempts": upstream.get("attempts")}
    findings = findings_of(record)
    if outcome == "skipped":
        message = str(record.get("message") or "")
        return Cell("unsupported" if UNSUPPORTED_PREFIX in message else "skipped", message)
    reasons = [finding.reason if finding.check == "error" else f"[{finding.check}] {finding.path}: {finding.reason}"
               + (" (advisory)" if finding.severity == "advisory" else "") for finding in findings]
    if outcome == "passed":
        return Cell("advisory" if findings else "pass", "; ".join(reasons), findings, **facts)
    return Cell("fail", "; ".join(reasons) or str(record.get("message") or outcome), findings, **facts)


def build_matrix(summaries: Mapping[str, Mapping[str, Any]], reference: str | None = None,
                 running: Sequence[str] = ()) -> Matrix:
    """Columns in the given order, then the `running` targets; rows in the order the tests first appear."""
    if reference is not None and reference not in summaries and reference not in running:
        raise ValueError(f"--reference {reference!r} is not one of the targets: {', '.join(summaries)}")
    rows: dict[str, Capability] = {}
    cells: dict[tuple[str, str], Cell] = {}
    for target, summary in summaries.items():
        for record in summary.get("tests", []):
            nodeid = record["nodeid"]
            rows.setdefault(nodeid, Capability(nodeid, record.get("endpoint") or "other", record.get("model") or "-",
                                                record.get("request") or nodeid))
            cells[(nodeid, target)] = cell_of(record)
    return Matrix([*summaries, *running], list(rows.values()), cells, reference, list(running))


def _cell_json(cell: Cell) -> dict[str, Any]:
    return {"verdict": cell.verdict, "reason": cell.reason, "status": cell.status, "latency": cell.latency,
            "overhead": cell.overhead, "attempts": cell.attempts,
            "findings": [{"check": found.check, "path": found.path, "reason": found.reason, "severity": found.severity}
                         for found in cell.findings]}


def to_json(matrix: Matrix) -> str:
    return json.dumps({
        "targets": matrix.targets,
        "reference": matrix.reference,
        "totals": matrix.totals(),
        "causes": [{"target": cause.target, "check": cause.check, "path": cause.path, "reason_shape": cause.shape,
                    "severity": cause.severity, "example": cause.example, "count": len(cause.tests), "tests": cause.tests}
                   for cause in matrix.causes()],
        "rows": [
            {
                "nodeid": row.nodeid, "endpoint": row.endpoint, "model": row.model, "capability": row.name,
                "cells": {target: _cell_json(matrix.cell(row, target)) for target in matrix.targets},
                "differs_from_reference": matrix.differences(row),
            }
            for row in matrix.rows
        ],
    }, indent=2)


def to_markdown(matrix: Matrix) -> str:
    head = ["endpoint", "model", "capability", *matrix.targets] + (["differs from " + matrix.reference] if matrix.reference else [])
    lines = [decision_markdown(matrix.totals(), matrix.causes()) + "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in matrix.rows:
        cells = []
        for target in matrix.targets:
            cell = matrix.cell(row, target)
            cells.append(SYMBOLS[cell.verdict] + (f" ({_one_line(cell.reason)})" if cell.verdict != "pass" and cell.reason else ""))
        extra = [", ".join(matrix.differences(row))] if matrix.reference else []
        lines.append("| " + " | ".join([row.endpoint, row.model, _one_line(row.name), *cells, *extra]) + " |")
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_html(matrix: Matrix, reports: Mapping[str, str] | None = None) -> str:
    """One self-contained page; a failing cell's reason shows on hover and on click."""
    reports = reports or {}
    head_cells = "".join(
        f"<th>{html.escape(target)}" + (f'<br><a href="{html.escape(reports[target])}">report</a>' if target in reports else "") + "</th>"
        for target in matrix.targets
    )
    if matrix.reference:
        head_cells += f"<th>differs from {html.escape(matrix.reference)}</th>"
    body = []
    for row in matrix.rows:
        cells = []
        for target in matrix.targets:
            cell = matrix.cell(row, target)
            reason = html.escape(cell.reason)
            detail = f"<details><summary>{SYMBOLS[cell.verdict]}</summary>{reason}</details>" if reason else SYMBOLS[cell.verdict]
            facts = f'<div class="facts">{html.escape(cell.facts())}</div>' if cell.facts() else ""
            cells.append(f'<td class="{cell.verdict}" title="{reason}" style="background:{COLOURS[cell.verdict]}">{detail}{facts}</td>')
        if matrix.reference:
            cells.append(f"<td>{html.escape(', '.join(matrix.differences(row)))}</td>")
        body.append(f"<tr class=\"{'differs' if matrix.varies(row) else 'same'}\"><td>{html.escape(row.endpoint)}</td><td>{html.escape(row.model)}</td>"
                    f"<td title=\"{html.escape(row.nodeid)}\">{html.escape(row.name)}</td>{''.join(cells)}</tr>")
    verdict = "every capability passes on every target" if matrix.all_pass else "not every capability passes everywhere"
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8">{_refresh(matrix)}<title>imagecontract compatibility matrix</title>
<style>body{{font-family:Helvetica,Arial,sans-serif;font-size:13px;margin:16px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}}th{{background:#f5f5f5}}
details summary{{cursor:pointer}}details[open]{{max-width:28em}}.facts{{color:#555;font-size:11px}}
tr.cause.contract td:nth-child(2){{color:#a94442;font-weight:bold}}body.only-differing tr.same{{display:none}}
.progress{{background:#eef3fb;padding:4px 8px}}</style></head>
<body><h1>imagecontract compatibility matrix</h1>{_progress(matrix)}<p>{len(matrix.rows)} capabilities, {len(matrix.targets)} targets: {verdict}.</p>
{decision_html(matrix.totals(), matrix.causes())}
{_filter(matrix)}
<table class="capabilities"><thead><tr><th>endpoint</th><th>model</th><th>capability</th>{head_cells}</tr></thead>
<tbody>{''.join(body)}</tbody></table></body></html>
"""


def _refresh(matrix: Matrix) -> str:
    return f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">' if matrix.running else ""


def _progress(matrix: Matrix) -> str:
    """While targets run, how many finished and which still run (the page reloads itself until all have)."""
    if not matrix.running:
        return ""
    done = len(matrix.targets) - len(matrix.running)
    return (f'<p class="progress" id="progress">running: {done} of {len(matrix.targets)} targets finished; '
            f"waiting for {html.escape(', '.join(matrix.running))} (this page reloads every {REFRESH_SECONDS} s)</p>")


def _filter(matrix: Matrix) -> str:
    """A checkbox that hides the rows every target answers alike."""
    differing = sum(1 for row in matrix.rows if matrix.varies(row))
    return ('<p><label><input type="checkbox" id="only-differing" '
            "onchange=\"document.body.classList.toggle('only-differing', this.checked)\"> "
            f"show only the {differing} rows whose targets differ</label></p>")


def write_matrix(matrix: Matrix, out: Path, reports: Mapping[str, str]) -> int:
    """Write `matrix.json`, `matrix.md` and `matrix.html` (linking each column to its report) in `out`;
    returns the number of failing cells."""
    out.mkdir(parents=True, exist_ok=True)
    out.joinpath("matrix.json").write_text(to_json(matrix), encoding="utf-8")
    out.joinpath("matrix.md").write_text(to_markdown(matrix), encoding="utf-8")
    out.joinpath("matrix.html").write_text(to_html(matrix, reports), encoding="utf-8")
    return sum(1 for row in matrix.rows for target in matrix.targets if matrix.cell(row, target).verdict == "fail")


def column_names(targets: Sequence[str]) -> list[str]:
    """A column name per `--target`: `NAME=URL` names a URL, a bare name is its own name, a URL its host:port."""
    names = []
    for target in targets:
        name, sep, url = target.partition("=")
        if sep and "://" not in name:
            names.append(name)
        elif "://" in target:
            names.append(target.split("://", 1)[1].split("/", 1)[0])
        else:
            names.append(target)
    if len(set(names)) != len(names):
        raise ValueError(f"two targets share a column name ({', '.join(names)}); name them with NAME=URL")
    return names
