"""Reading a matrix as a decision: totals per target, and failures grouped by root cause.

One cause (a gateway rejecting requests without `model`, say) fails many tests
with the same check, at the same path, for the same kind of reason: grouped by
that shape it reads as one line with a count, not as many unrelated red cells.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

CONTRACT, ADVISORY = "contract", "advisory"
TOTAL_KINDS = ("pass", "fail", "advisory", "skipped", "unsupported")

_SHAPES = (
    (re.compile(r"https?://\S+"), "<url>"),
    (re.compile(r"'[^']*(?:'|\.\.\.)|\"[^\"]*(?:\"|\.\.\.)|\b(None|null|True|False|true|false)\b"), "<value>"),
    (re.compile(r"sha256:[0-9a-f]+"), "<digest>"),
    (re.compile(r"(?P<status>(?<![\w.])[1-5]\d\d(?![\w.]))|\d+(?:\.\d+)?"), lambda match: match["status"] or "<n>"),
)
"""What varies between tests failing for the same reason: URLs, quoted values (whole or cut with ...), digests, numbers
(but not a standalone HTTP status: a 404 and a 400 are two causes)."""


@dataclass(frozen=True)
class Finding:
    """One failure or advisory of one test: the check, where, why and how serious."""

    check: str
    path: str
    reason: str
    severity: str = CONTRACT

    @property
    def key(self) -> tuple[str, str, str]:
        """What tests failing for one root cause share: check, path (any index) and reason shape."""
        return self.check, re.sub(r"\[\d+\]", "[*]", self.path), reason_shape(self.reason)

    @property
    def exact_key(self) -> tuple[str, str, str, str]:
        """What two targets failing alike share: check, path, reason (URLs and digests aside) and severity."""
        return self.check, self.path, reason_shape(self.reason, _SHAPES[:1] + _SHAPES[2:3]), self.severity


def reason_shape(reason: str, shapes: tuple[tuple[re.Pattern[str], Any], ...] = _SHAPES) -> str:
    """`expected 400, got 500` -> `expected <n>, got <n>`: the reason with what varies between tests taken out."""
    for pattern, placeholder in shapes:
        reason = pattern.sub(placeholder, reason)
    return reason


def findings_of(record: Mapping[str, Any]) -> tuple[Finding, ...]:
    """A summary record's failures (a test error first) and advisories."""
    found = [Finding("error", "$", str(record["error"]))] if record.get("error") else []
    found += [Finding(item["check"], item["path"], item["reason"]) for item in record.get("failures") or []]
    found += [Finding(item["check"], item["path"], item["reason"], ADVISORY) for item in record.get("advisories") or []]
    return tuple(found)


@dataclass
class Cause:
    """Tests of one target failing (or drawing an advisory) for the same root cause."""

    target: str
    check: str
    path: str
    shape: str
    severity: str
    example: str
    tests: list[str] = field(default_factory=list)


def group_causes(cells: Iterable[tuple[str, str, Iterable[Finding]]]) -> list[Cause]:
    """From (target, test, findings), one cause per target and finding shape; contract causes first, then by count."""
    causes: dict[tuple[str, str, tuple[str, str, str]], Cause] = {}
    for target, test, findings in cells:
        for finding in findings:
            check, path, shape = finding.key
            cause = causes.setdefault((target, finding.severity, finding.key),
                                      Cause(target, check, path, shape, finding.severity, finding.reason))
            if test not in cause.tests:
                cause.tests.append(test)
    return sorted(causes.values(), key=lambda cause: (cause.severity != CONTRACT, cause.target, -len(cause.tests), cause.check))


def count_totals(verdicts: Iterable[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """From (target, verdict), how many of each verdict per target."""
    counted: dict[str, Counter[str]] = {}
    for target, verdict in verdicts:
        counted.setdefault(target, Counter())[verdict] += 1
    return {target: {kind: found.get(kind, 0) for kind in TOTAL_KINDS} for target, found in counted.items()}


def verdict_line(target: str, totals: Mapping[str, int], causes: list[Cause]) -> str:
    """`gw: 40 pass, 12 fail from 3 causes, 2 advisory, 1 skipped`: the answer to "can it go in front of users"."""
    failing = [cause for cause in causes if cause.target == target and cause.severity == CONTRACT]
    parts = [f"{totals['pass']} pass"]
    if totals["fail"]:
        parts.append(f"{totals['fail']} fail from {len(failing)} root cause{'s' if len(failing) != 1 else ''}")
    parts += [f"{totals[kind]} {kind}" for kind in ("advisory", "skipped", "unsupported") if totals[kind]]
    return f"{target}: " + ", ".join(parts)


def decision_markdown(totals: Mapping[str, Mapping[str, int]], causes: list[Cause]) -> str:
    """Totals per target and the root causes, above the capability table."""
    lines = ["| target | " + " | ".join(TOTAL_KINDS) + " |", "|---|" + "---|" * len(TOTAL_KINDS)]
    lines += [f"| {target} | " + " | ".join(str(counts[kind]) for kind in TOTAL_KINDS) + " |" for target, counts in totals.items()]
    if causes:
        lines += ["", "| target | severity | check | path | tests | reason (first seen) |", "|---|---|---|---|---|---|"]
        lines += [f"| {cause.target} | {cause.severity} | {cause.check} | {cause.path} | {len(cause.tests)} | "
                  f"{_cell_text(cause.example)} |" for cause in causes]
    return "\n".join(lines) + "\n\n"


def _cell_text(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def decision_html(totals: Mapping[str, Mapping[str, int]], causes: list[Cause]) -> str:
    """The top of the page: one verdict line per target, the totals table, and the root causes with their tests."""
    lines = "".join(f"<li>{html.escape(verdict_line(target, counts, causes))}</li>" for target, counts in totals.items())
    head = "".join(f"<th>{kind}</th>" for kind in TOTAL_KINDS)
    rows = "".join(f'<tr><td>{html.escape(target)}</td>' + "".join(f'<td class="total-{kind}">{counts[kind]}</td>' for kind in TOTAL_KINDS)
                   + "</tr>" for target, counts in totals.items())
    cause_rows = "".join(
        f'<tr class="cause {cause.severity}"><td>{html.escape(cause.target)}</td><td>{cause.severity}</td>'
        f"<td>{html.escape(cause.check)}</td><td>{html.escape(cause.path)}</td><td>{len(cause.tests)}</td>"
        f"<td><details><summary>{html.escape(cause.example)}</summary><ul>"
        + "".join(f"<li>{html.escape(test)}</li>" for test in cause.tests) + "</ul></details></td></tr>"
        for cause in causes
    )
    causes_table = (f'<h2>Root causes</h2><table class="causes"><thead><tr><th>target</th><th>severity</th><th>check</th>'
                    f"<th>path</th><th>tests</th><th>reason (first seen; open for the tests)</th></tr></thead>"
                    f"<tbody>{cause_rows}</tbody></table>") if causes else "<p>No failures and no advisories.</p>"
    return (f'<ul class="verdicts">{lines}</ul><h2>Totals</h2><table class="totals"><thead><tr><th>target</th>{head}</tr>'
            f"</thead><tbody>{rows}</tbody></table>{causes_table}<h2>Capabilities</h2>")
