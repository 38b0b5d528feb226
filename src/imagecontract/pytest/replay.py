"""The merged `report.html` and JUnit XML: a pytest session whose tests replay the merged records.

Why a session rather than stitching files together: pytest-html and pytest's
own junitxml then write what an unsharded run writes, through the same
templates and the same hooks (our table columns, the run summary, each test's
section from `render_test_section`), with every test once and in collection
order. Merging the shards' JUnit files instead (junitparser, say) would
give a second source of truth beside the summaries, still need the records to
order testcases and could not make the HTML; so shards' JUnit files are not
read: the records carry what JUnit shows (failure text, skip location,
`retries` properties).

Each record becomes a `RecordItem` that fails or skips in the phase the
original did; its reports then take the original's longrepr, sections,
duration and extras.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Generator, Mapping

import pytest

from imagecontract.errors import ImageContractError
from imagecontract.pytest.report_hooks import PLUGIN_NAME
from imagecontract.report.pictures import ImageStore
from imagecontract.report.render import render_test_section

_ARGS = ("-p", "no:cacheprovider", "-p", "no:terminal", "--capture=no", "--self-contained-html")
"""No cache, no terminal output (the merge command reports), no capture (each report's sections come from its
record), one file."""


class Replayed(Exception):
    """Raised by a record's item where the original test failed; its report takes the original's text."""


class RecordItem(pytest.Item):
    """One merged record as a test: same node id, file, outcome and phase as the test that produced it."""

    def __init__(self, *, record: Mapping[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.record = record
        if record.get("retries"):
            self.user_properties.append(("retries", list(record["retries"])))

    def setup(self) -> None:
        if self.record["when"] == "setup":
            self._replay()

    def runtest(self) -> None:
        if self.record["when"] == "call":
            self._replay()

    def _replay(self) -> None:
        outcome = self.record["outcome"]
        if outcome == "skipped":
            pytest.skip(self.record.get("message") or "")
        if outcome != "passed":
            raise Replayed(self.record.get("longrepr") or self.record.get("message") or outcome)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.config.rootpath / self.record["file"], None, f"{self.record['collection']}: {self.record['request']}"


class ReplayPlugin:
    """Adds an item per record and gives each of its reports the original's facts and HTML."""

    def __init__(self, summary: Mapping[str, Any]) -> None:
        self.summary = summary
        self.images = ImageStore.from_json(summary["images"])

    def pytest_configure(self, config: pytest.Config) -> None:
        report = config.pluginmanager.get_plugin(PLUGIN_NAME)
        if report is None:
            raise pytest.UsageError("the imagecontract pytest plugin is not loaded (is PYTEST_DISABLE_PLUGIN_AUTOLOAD set?)")
        report.present(self.summary)

    def pytest_collection_modifyitems(self, session: pytest.Session, items: list[pytest.Item]) -> None:
        items.extend(RecordItem.from_parent(session, name=record["nodeid"].rsplit("::", 1)[-1], nodeid=record["nodeid"],
                                            record=record)
                     for record in self.summary["tests"])

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if isinstance(item, RecordItem):
            self._reproduce(item.record, report)
        return report

    def _reproduce(self, record: Mapping[str, Any], report: pytest.TestReport) -> None:
        if report.when != record["when"]:
            report.duration = 0.0
            return
        from pytest_html import extras

        longrepr = record.get("longrepr")
        report.longrepr = tuple(longrepr) if isinstance(longrepr, list) else longrepr
        report.sections = [(title, content) for title, content in record.get("sections") or []]
        report.duration = record["duration"]
        report.imagecontract = {"record": record, "images": {}}
        report.extras = [extras.html(render_test_section(record, self.images))]


def write_report(summary: Mapping[str, Any], html: Path, junit: Path) -> None:
    """Write `html` (pytest-html) and `junit` (JUnit XML) for the tests of `summary`."""
    with tempfile.TemporaryDirectory(prefix="imagecontract-merge-") as empty:
        root = Path(empty)
        (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
        args = [str(root), "-c", str(root / "pytest.ini"), "--rootdir", str(root), *_ARGS,
                "--html", str(html.resolve()), "--junitxml", str(junit.resolve())]
        code = pytest.main(args, plugins=[ReplayPlugin(summary)])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise ImageContractError(f"writing {html} and {junit} failed (pytest exit {int(code)}); see the output above")
