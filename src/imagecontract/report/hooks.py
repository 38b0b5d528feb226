"""pytest wiring of the report: `--report`/`--no-report`, the default path, per-test sections, summary.json.

`install_report` is called from the imagecontract plugin's `pytest_addoption`,
so the options exist and `ReportPlugin.pytest_configure` (tryfirst) can point
pytest-html at `reports/report.html` before pytest-html configures itself.
"""

from __future__ import annotations

import os
from html import escape
import time
from pathlib import Path
from typing import Any, Generator

import pytest

from imagecontract.collection import RequestSpec
from imagecontract.engine import RequestResult, RunSettings
from imagecontract.redact import redact_text, redact_url
from imagecontract.report.pictures import ImageStore
from imagecontract.report.records import TestFacts, build_record
from imagecontract.report.render import render_assets, render_run_summary, render_test_section
from imagecontract.report.summary import run_summary, write_json

PLUGIN_NAME = "imagecontract-report"
DEFAULT_REPORT = Path("reports") / "report.html"
SUMMARY_NAME = "summary.json"
COLLECTIONS_DIR = "collections"

_COLUMNS = (("endpoint", "Endpoint"), ("model", "Model"), ("latency", "Latency"))


def install_report(group: Any, pluginmanager: pytest.PytestPluginManager) -> None:
    """Add the report options to `group` and register the report plugin; a second call does nothing."""
    if pluginmanager.has_plugin(PLUGIN_NAME):
        return
    group.addoption("--report", default=None, metavar="PATH",
                    help=f"write the self-contained HTML report here (default for suite runs: {DEFAULT_REPORT}); "
                         f"{SUMMARY_NAME} goes beside it")
    group.addoption("--no-report", action="store_true", help=f"write neither the HTML report nor {SUMMARY_NAME}")
    pluginmanager.register(ReportPlugin(), PLUGIN_NAME)


def names_collections(config: pytest.Config) -> bool:
    """Whether the run was asked for anything inside a `collections` directory (a suite run)."""
    for arg in config.args:
        path = Path(arg.split("::", 1)[0])
        if not path.is_absolute():
            path = config.invocation_params.dir / path
        if COLLECTIONS_DIR in path.resolve().parts:
            return True
    return False


def html_path(config: pytest.Config) -> Path | None:
    """Where pytest-html writes the report (resolved as pytest-html does), or None when it writes none."""
    chosen = getattr(config.option, "htmlpath", None)
    if not chosen:
        return None
    return Path.cwd() / Path(os.path.expandvars(chosen)).expanduser()


def secrets_of(settings: RunSettings, result: RequestResult | None) -> list[str]:
    """The run's key and whatever else the request's exchanges were told to keep secret."""
    found = [settings.environ.get(settings.api_key_env, "")]
    if result is not None:
        found.extend(secret for exchange in result.exchanges for secret in exchange.secrets)
    return [secret for secret in dict.fromkeys(found) if secret]


def redact_report(report: pytest.TestReport, secrets: list[str]) -> None:
    """Keep secrets out of the failure text and captured output that JUnit XML and pytest-html copy."""
    if not secrets:
        return
    if report.longrepr is not None and any(secret in str(report.longrepr) for secret in secrets):
        report.longrepr = redact_text(str(report.longrepr), secrets)
    report.sections = [(title, redact_text(content, secrets)) for title, content in report.sections]


class ReportPlugin:
    """Builds a record per request test, hands pytest-html its HTML, and writes `summary.json`."""

    def __init__(self) -> None:
        self.config: pytest.Config | None = None
        self.started = time.time()
        self.records: list[dict[str, Any]] = []
        self.images = ImageStore()
        self.summary: dict[str, Any] | None = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        self.config = config
        option = config.option
        if getattr(option, "htmlpath", None) or option.no_report:
            return
        chosen = option.report or (Path(config.rootpath) / DEFAULT_REPORT if names_collections(config) else None)
        if chosen:
            option.htmlpath = str(chosen)
            option.self_contained_html = True

    def pytest_sessionstart(self) -> None:
        self.started = time.time()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if report.when == "call" and isinstance(getattr(item, "spec", None), RequestSpec):
            self._attach(item, report)
        return report

    def _attach(self, item: Any, report: pytest.TestReport) -> None:
        from imagecontract.plugin import RESULT, SETTINGS

        result = item.stash.get(RESULT, None)
        secrets = secrets_of(item.config.stash[SETTINGS], result)
        redact_report(report, secrets)
        if html_path(item.config) is None:
            return
        message = None
        if isinstance(report.longrepr, tuple):
            message = str(report.longrepr[2])
        elif report.failed and result is None:
            message = report.longreprtext
        facts = TestFacts(report.nodeid, item.collection_file.collection, item.spec, report.outcome, report.duration,
                          message, Path(item.config.rootpath))
        store = ImageStore()
        record = build_record(facts, result, store, secrets)
        report.imagecontract = {"record": record, "images": store.as_json()}
        from pytest_html import extras

        report.extras = [*getattr(report, "extras", []), extras.html(render_test_section(record, store))]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        attached = getattr(report, "imagecontract", None)
        if attached:
            self.records.append(attached["record"])
            self.images.update(ImageStore.from_json(attached["images"]))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        config = session.config
        path = html_path(config)
        if path is None or not self.records or hasattr(config, "workerinput"):
            return
        from imagecontract.plugin import SETTINGS

        settings = config.stash[SETTINGS]
        self.summary = run_summary(
            self.records, self.images, target=redact_url(settings.target, secrets_of(settings, None)),
            mode=settings.mode_name, started=self.started, duration=time.time() - self.started,
        )
        write_json(path.parent / SUMMARY_NAME, self.summary)

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        report.title = "imagecontract report"

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str]) -> None:
        if self.summary is not None:
            prefix.extend([render_assets(self.images), render_run_summary(self.summary)])

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells[2:2] = [f'<th class="sortable" data-column-type="{name}">{title}</th>' for name, title in _COLUMNS]

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report: Any, cells: list[str]) -> None:
        record = (getattr(report, "imagecontract", None) or {}).get("record") or {}
        latency = record.get("latency") or []
        values = {
            "endpoint": record.get("endpoint") or "",
            "model": record.get("model") or "",
            "latency": f"{max(latency):.3f} s" if latency else "",
        }
        cells[2:2] = [f'<td class="col-{name}">{escape(values[name])}</td>' for name, _ in _COLUMNS]
