"""pytest wiring of the report: `--report`/`--no-report`, the default path, per-test sections, summary.json.

`install_report` is called from the imagecontract plugin's `pytest_addoption`,
so the options exist and `ReportPlugin.pytest_configure` (tryfirst) can point
pytest-html at `reports/report.html` before pytest-html configures itself.
"""

from __future__ import annotations

import os
import time
from html import escape
from pathlib import Path
from typing import Any, Generator, Mapping

import pytest

from imagecontract.collection.model import RequestSpec
from imagecontract.redact import LogRedactor, redact_message, redact_url
from imagecontract.report.gallery import render_gallery
from imagecontract.report.pictures import ImageStore
from imagecontract.report.records import TestFacts, build_record
from imagecontract.report.render import render_assets, render_run_summary, render_test_section
from imagecontract.report.summary import SUMMARY_NAME, run_summary, write_json
from imagecontract.pytest.keys import RESULT, SETTINGS, SHARD, SHARD_PLAN
from imagecontract.run.engine import MIN_SECRET_CHARS, RequestResult
from imagecontract.settings import RunSettings

PLUGIN_NAME = "imagecontract-report"
DEFAULT_REPORT = Path("reports") / "report.html"
COLLECTIONS_DIR = "collections"
INDEX = pytest.StashKey[int]()
"""An item's place among every collected item, before any deselection (`-k`, `-m`, `--shard`)."""

WORKER_COLLECTION = "imagecontract_collection"
"""The key of a worker's collected and selected tests in its xdist `workeroutput`."""

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
    """The run's key and `--secret-env` values, whatever else the request's exchanges were told to keep secret, and
    (sandwich mode) the gateway's upstream key."""
    found = [settings.environ.get(name, "") for name in (settings.api_key_env, *settings.secret_envs)]
    if result is not None:
        found.extend(secret for exchange in result.exchanges for secret in exchange.secrets)
        found.extend(exchange.upstream.key for exchange in result.exchanges if exchange.upstream is not None)
    return [secret for secret in dict.fromkeys(found) if secret]


def redact_report(report: pytest.TestReport, secrets: list[str]) -> None:
    """Keep secrets, their long prefixes and the secret query parameters of printed URLs out of the
    failure text and captured output that the terminal, JUnit XML and pytest-html copy."""
    if report.longrepr is not None and not isinstance(report.longrepr, tuple):
        text = str(report.longrepr)
        clean = redact_message(text, secrets)
        if clean != text:
            report.longrepr = clean
    report.sections = [(title, redact_message(content, secrets)) for title, content in report.sections]


def bearer_env_key(item: pytest.Item, settings: RunSettings) -> list[str]:
    """The key a request's `auth: {bearer_env: NAME}` sends, known before it runs (so logs can hide it)."""
    auth = getattr(getattr(item, "spec", None), "auth", None)
    name = auth.get("bearer_env") if isinstance(auth, dict) else None
    return [settings.environ.get(settings.key_variable(name), "")] if isinstance(name, str) else []


def loggable(secrets: list[str]) -> list[str]:
    """Secrets long enough to hide in every log line (a test stand-in like `x` would garble them all)."""
    return [secret for secret in secrets if len(secret) >= MIN_SECRET_CHARS]


def record_outcome(report: pytest.TestReport) -> str:
    """The summary's outcome: a setup that failed is an error, as pytest counts it."""
    return "error" if report.when != "call" and report.failed else report.outcome


def stored_longrepr(report: pytest.TestReport) -> str | list[Any] | None:
    """The failure as JSON: a skip keeps its `(path, line, reason)` shape, which JUnit XML needs."""
    if report.longrepr is None:
        return None
    if isinstance(report.longrepr, tuple):
        path, line, reason = report.longrepr
        return [str(path), line, str(reason)]
    return report.longreprtext


class ReportPlugin:
    """Builds a record per request test, hands pytest-html its HTML, and writes `summary.json`."""

    def __init__(self) -> None:
        self.config: pytest.Config | None = None
        self.started = time.time()
        self.records: list[dict[str, Any]] = []
        self.images = ImageStore()
        self.summary: dict[str, Any] | None = None
        self.logs = LogRedactor()
        self.collected: list[str] = []
        self.selected: list[int] = []
        self.presented: Mapping[str, Any] | None = None
        self.interrupted = False
        self.scheduled: list[str] = []
        """Under xdist: the selected tests a worker collected, known as soon as it collected (an interrupted
        worker may never send its `workeroutput`)."""

    def present(self, summary: Mapping[str, Any]) -> None:
        """Show `summary` (merged shards) at the top of the report instead of one built from this session."""
        self.presented = summary
        self.images = ImageStore.from_json(summary["images"])

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        self.config = config
        self.logs.install()
        option = config.option
        if getattr(option, "htmlpath", None) or option.no_report:
            return
        chosen = option.report or (Path(config.rootpath) / DEFAULT_REPORT if names_collections(config) else None)
        if chosen:
            option.htmlpath = str(chosen)
            option.self_contained_html = True

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.started = time.time()
        settings = session.config.stash.get(SETTINGS, None)
        if settings is not None:
            self.logs.add(loggable(secrets_of(settings, None)))
            settings.on_secrets = lambda found: self.logs.add(loggable(list(found)))

    def pytest_itemcollected(self, item: pytest.Item) -> None:
        settings = item.config.stash.get(SETTINGS, None)
        if settings is not None:
            self.logs.add(loggable(bearer_env_key(item, settings)))

    def pytest_unconfigure(self) -> None:
        self.logs.uninstall()

    @pytest.hookimpl(wrapper=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> Generator[None, None, None]:
        """Number the items before any plugin deselects some, so every shard numbers them alike."""
        for index, item in enumerate(items):
            item.stash[INDEX] = index
        self.collected = [item.nodeid for item in items]
        return (yield)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.selected = [item.stash[INDEX] for item in session.items if INDEX in item.stash]
        if hasattr(session.config, "workeroutput"):
            session.config.workeroutput[WORKER_COLLECTION] = {"collected": self.collected, "selected": self.selected}

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any) -> None:
        """Under xdist the controller collects nothing: it takes what the tests were from a worker's output."""
        collection = getattr(node, "workeroutput", {}).get(WORKER_COLLECTION)
        if collection and not self.collected:
            self.collected, self.selected = list(collection["collected"]), list(collection["selected"])

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.scheduled = self.scheduled or list(ids)

    def _collection(self) -> tuple[list[str], list[int]]:
        """The collected tests and the indices of the selected ones; under xdist, when no worker reported them
        (interrupted before any finished), the tests a worker was given, all selected."""
        if self.collected:
            return self.collected, self.selected
        return self.scheduled, list(range(len(self.scheduled)))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        settled = report.when == "call" or (report.when == "setup" and not report.passed)
        if settled and isinstance(getattr(item, "spec", None), RequestSpec):
            self._attach(item, report)
        return report

    def _attach(self, item: Any, report: pytest.TestReport) -> None:
        result = item.stash.get(RESULT, None)
        secrets = secrets_of(item.config.stash[SETTINGS], result)
        redact_report(report, secrets)
        self.logs.add(loggable(secrets))
        if html_path(item.config) is None:
            return
        message = None
        if isinstance(report.longrepr, tuple):
            message = str(report.longrepr[2])
        elif report.failed and result is None:
            message = report.longreprtext
        facts = TestFacts(report.nodeid, item.collection, item.spec, record_outcome(report), report.duration,
                          message, Path(item.config.rootpath), item.stash.get(INDEX, None), report.when,
                          stored_longrepr(report), tuple(report.sections))
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

    def pytest_keyboard_interrupt(self) -> None:
        """Ctrl-C (or `pytest.exit`): the summary must not read as a finished run's, even with no test done yet."""
        self.interrupted = True

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int | pytest.ExitCode) -> None:
        config = session.config
        path = html_path(config)
        if self.presented is not None:
            self.summary = dict(self.presented)
            return
        collected, selected = self._collection()
        interrupted = self.interrupted and bool(collected)
        if path is None or not (self.records or interrupted) or hasattr(config, "workerinput"):
            return

        settings = config.stash[SETTINGS]
        spec, planned = config.stash.get(SHARD, None), config.stash.get(SHARD_PLAN, None)
        shard = {"index": spec.index, "total": spec.total, "plan": planned} if spec and planned is not None else None
        self.summary = run_summary(
            self.records, self.images, target=redact_url(settings.target, secrets_of(settings, None)),
            mode=settings.mode_name, started=self.started, duration=time.time() - self.started,
            collected=collected, selected=selected, shard=shard,
            interrupted=interrupted or exitstatus == pytest.ExitCode.INTERRUPTED or bool(session.shouldstop),
        )
        write_json(path.parent / SUMMARY_NAME, self.summary)

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        report.title = "imagecontract report"

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str]) -> None:
        if self.summary is not None:
            prefix.extend([render_assets(self.images), render_run_summary(self.summary),
                           render_gallery(self.summary["tests"], self.images)])

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
