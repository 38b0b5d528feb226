"""The pytest plugin: options, collection of `collections/**/*.yaml`, and one test per request.

Only hooks and wiring live here; loading, sending, cassettes and checks are
plain modules (`collection`, `engine`, `cassettes`, `checks`).
"""

from __future__ import annotations

import os
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from imagecontract import lifecycle
from imagecontract.cassettes.modes import MODES, RecordMode
from imagecontract.cassettes.parsed import cache_parsed_under
from imagecontract.collection.model import NOT_COLLECTIONS, Collection, RequestSpec
from imagecontract.collection.validated import remember_valid_under
from imagecontract.distributed.shard import Unit, chain_groups, estimated_seconds, plan, rate_limited_seconds
from imagecontract.distributed.xdist_chains import chain_scheduler, chain_scopes, collected_units
from imagecontract.distributed.xdist_interrupt import stop_waiting_for_workers
from imagecontract.errors import ImageContractError
from imagecontract.image_budget.budget import refusal, window_seconds
from imagecontract.latency import format_table, latency_stats
from imagecontract.local_cache import CACHE_ROOT, PARSED, UPLOADS, VALID, prune_all
from imagecontract.pytest.gateway_hooks import install_gateway
from imagecontract.pytest.items import CollectionFile, RequestItem, shared_client
from imagecontract.pytest.keys import (
    CHAIN_SCOPES,
    CLIENT,
    ESTIMATED,
    FRESH_STORE,
    PREFETCHER,
    RESULTS,
    ROWS,
    SETTINGS,
    SHARD,
    SHARD_PLAN,
    SHARD_PLAN_OUTPUT,
    TARGET,
    UNSUPPORTED,
)
from imagecontract.pytest.report_hooks import install_report
from imagecontract.redact import redact_url
from imagecontract.report.run_totals import totals_table
from imagecontract.run import deadline
from imagecontract.run.prefetch import Prefetcher
from imagecontract.run.uploads import cache_generated_under
from imagecontract.settings import OptionValues, estimated_images, resolve, unserved

RECORDING_PLUGIN = "recording"
"""pytest-recording's entry-point name; it registers `--record-mode` too, with vcrpy's modes and its own `rewrite`."""

MARKERS = (
    ("error", "requests that expect an error answer"),
    ("live_only", "requests that only make sense live (skipped on replay)"),
    ("generations", "POST /images/generations"),
    ("edits", "POST /images/edits"),
    ("variations", "POST /images/variations"),
)


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    group = parser.getgroup("imagecontract", "OpenAI Images API contract tests")
    group.addoption("--target", default=None, metavar="URL|NAME",
                    help="base URL of the API under test, including /v1, or a target named in collections/targets.yaml "
                         "(default: $OPENAI_BASE_URL, else the public API)")
    group.addoption("--api-key-env", default=None, metavar="NAME",
                    help="environment variable holding the API key (default: the target's, else OPENAI_API_KEY)")
    if not shares_record_mode(pluginmanager):
        group.addoption("--record-mode", default="none", choices=[mode.value for mode in RecordMode],
                        help="cassette mode, as vcrpy: "
                             + "; ".join(f"{mode.value}: {meaning.summary}" for mode, meaning in MODES.items()) + " (default: none)")
    group.addoption("--replay-pace", default="recorded", choices=["recorded", "instant"],
                    help="replay a recorded stream at its recorded pace (default) or at once")
    group.addoption("--live", action="store_true", help="send every request to the target; read and write no cassette")
    group.addoption("--request-timeout", type=float, default=None, metavar="SECONDS",
                    help="bound every request from send to its last byte, streams included, unless it gives its own "
                         "timeout: (default 120)")
    group.addoption("--secret-env", action="append", default=[], metavar="NAME",
                    help="also keep the value of $NAME secret (redacted, and no_secret_echo fails on it), e.g. the "
                         "upstream key a gateway holds (repeatable)")
    group.addoption("--allow-outside-fixtures", action="store_true",
                    help="let a fixture: be any file (an absolute path, or one outside the collection's project)")
    group.addoption("--latency-scale", type=float, default=1.0, metavar="F", help="multiply every latency budget by F")
    group.addoption("--var", action="append", default=[], metavar="NAME=VALUE", help="set a collection variable (repeatable)")
    group.addoption("--env-file", default=None, metavar="FILE", help="variables from a YAML file or a Postman environment JSON")
    group.addoption("--iteration-data", default=None, metavar="FILE",
                    help="run every request once per row of FILE (CSV with a header line, or a JSON list of objects), "
                         "the row's values as variables, like newman -d")
    group.addoption("--cassette-dir", default=None, metavar="DIR", help="where cassettes live (default: <rootdir>/cassettes)")
    group.addoption("--schemas-dir", default=None, metavar="DIR", help="response schemas (default: <rootdir>/schemas)")
    group.addoption("--rate-limit", type=int, default=None, metavar="IMAGES_PER_MIN",
                    help="at most this many images per minute, shared by every process of the run (waits, never fails)")
    group.addoption("--max-images", type=int, default=None, metavar="N",
                    help="refuse a run that could generate more than N images; stop a running one at N")
    group.addoption("--run-id", default=None, metavar="ID",
                    help="the run whose budget this process shares (default: $GITHUB_RUN_ID, $CI_PIPELINE_ID, xdist's run uid, or fresh)")
    group.addoption("--budget-url", default=None, metavar="URL",
                    help="where the run's rate and image budget is counted: redis://HOST:PORT/DB shared by every machine "
                         "of the run (default: a SQLite file under .imagecontract/, shared by this machine's workers)")
    group.addoption("--concurrency", type=int, default=None, metavar="N",
                    help="with --live: keep N requests in flight from this one process (chains in order), reported in order")
    group.addoption("--shard", default=None, metavar="K/N",
                    help="run only part K of N deterministic, balanced parts of the selected tests (chains stay together)")
    lifecycle.add_option(group)
    install_report(group, pluginmanager)
    install_gateway(group, pluginmanager)


def shares_record_mode(pluginmanager: pytest.PytestPluginManager) -> bool:
    """Whether pytest-recording's `--record-mode` serves this plugin too (pytest refuses two options of one name).

    When pytest-recording is installed but not loaded yet, it is registered now, ahead of the entry points that
    would load it after this plugin, so its option exists first and nothing is registered twice.
    """
    if pluginmanager.has_plugin(RECORDING_PLUGIN):
        return True
    if pluginmanager.is_blocked(RECORDING_PLUGIN) or os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    found = [point for point in entry_points(group="pytest11") if point.name == RECORDING_PLUGIN]
    if not found:
        return False
    module = found[0].load()
    if not pluginmanager.is_registered(module):  # `-p pytest_recording.plugin` loads it under its module name
        pluginmanager.register(module, RECORDING_PLUGIN)
    return True


def pytest_configure(config: pytest.Config) -> None:
    option = config.option
    worker = hasattr(config, "workerinput")
    try:
        resolved = resolve(OptionValues.of(option), Path(config.rootpath), os.environ, worker=worker)
    except ImageContractError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[SETTINGS] = resolved.settings
    config.stash[TARGET] = resolved.target
    cache = Path(config.rootpath) / CACHE_ROOT
    cache_generated_under(cache / UPLOADS)
    cache_parsed_under(cache / PARSED)
    remember_valid_under(cache / VALID)
    config.stash[SHARD] = resolved.shard
    config.stash[ROWS] = resolved.rows
    if resolved.fresh_store is not None:
        config.stash[FRESH_STORE] = resolved.fresh_store
    if resolved.run_id and getattr(option, "testrunuid", False) is None and not worker:
        option.testrunuid = resolved.run_id  # the xdist controller hands its run id to its workers: one budget
    config.stash[RESULTS] = []
    for name, text in MARKERS:
        config.addinivalue_line("markers", f"{name}: {text}")


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """`--concurrency N`: start every request that will run on N threads now; each test then waits for its own."""
    config = session.config
    workers = config.option.concurrency
    if not workers or config.option.collectonly or hasattr(config, "workerinput"):
        return
    items = [item for item in session.items if isinstance(item, RequestItem) and not declared_unsupported(item)]
    by_id = {item.nodeid: item for item in items}
    units = [Unit(item.nodeid, str(item.path), item.spec) for item in items]
    shared_client(config)
    config.stash[PREFETCHER] = Prefetcher(lambda nodeid: by_id[nodeid].execute(),
                                          [[unit.nodeid for unit in group] for group in chain_groups(units)], workers)


def declared_unsupported(item: pytest.Item) -> str | None:
    """Why the target skips this request (a capability it declares unsupported, or a model or endpoint its day
    does not serve: `lifecycle`), or None; worked out once per item (the scheduler and the setup both ask)."""
    if not isinstance(item, RequestItem):
        return None
    if UNSUPPORTED not in item.stash:
        named = item.config.stash.get(TARGET, None)
        declared = named.skip_reason(item.nodeid, [mark.name for mark in item.iter_markers()]) if named else None
        item.stash[UNSUPPORTED] = declared or unserved(item.config.stash[SETTINGS], named, item.collection_file.collection,
                                                       item.spec)
    return item.stash[UNSUPPORTED]


def pytest_runtest_setup(item: pytest.Item) -> None:
    reason = declared_unsupported(item)
    if reason:
        pytest.skip(reason)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`--shard K/N`: keep this shard's part of what -k/-m selected, deselect the rest."""
    shard = config.stash.get(SHARD, None)
    if shard is None:
        return
    settings = config.stash[SETTINGS]
    units = [
        Unit(item.nodeid, str(item.path), item.spec, settings.cassette_path(item.collection, item.spec))
        for item in items if isinstance(item, RequestItem)
    ]
    rate = config.option.rate_limit
    weigh = rate_limited_seconds(rate, window_seconds(os.environ)) if rate else estimated_seconds
    config.stash[SHARD_PLAN] = plan(units, shard.total, weigh)
    if hasattr(config, "workeroutput"):
        config.workeroutput[SHARD_PLAN_OUTPUT] = config.stash[SHARD_PLAN]
    kept = set(config.stash[SHARD_PLAN][shard.index - 1])
    others_first = shard.index == 1
    selected = [item for item in items if item.nodeid in kept or (others_first and not isinstance(item, RequestItem))]
    deselected = [item for item in items if item not in selected]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def pytest_collection_finish(session: pytest.Session) -> None:
    """Cost guard for a run in one process (xdist workers leave it to the controller, below)."""
    if not hasattr(session.config, "workerinput"):
        _guard_cost(session.config, [(item.collection, item.spec)
                                     for item in session.items if isinstance(item, RequestItem)])


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any) -> None:
    """Under xdist the controller collects nothing: it takes the shard plan from a worker, for the summary."""
    planned = getattr(node, "workeroutput", {}).get(SHARD_PLAN_OUTPUT)
    if planned is not None:
        node.config.stash.setdefault(SHARD_PLAN, planned)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist's default `load` scheduling, but each chain of requests on one worker."""
    if config.getvalue("dist") != "load":
        return None
    return chain_scheduler(config, log, config.stash.setdefault(CHAIN_SCOPES, {}))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """Under xdist the controller collects nothing: from the first worker's test ids it guards the cost and
    tells the scheduler which tests form chains."""
    config = node.config
    if config.stash.get(ESTIMATED, False):
        return
    config.stash[ESTIMATED] = True
    loaded, units = collected_units(ids, Path(config.rootpath), config.stash.get(ROWS, None))
    config.stash.setdefault(CHAIN_SCOPES, {}).update(chain_scopes(units))
    _guard_cost(config, [(loaded[unit.collection], unit.spec) for unit in units])


def _guard_cost(config: pytest.Config, requests: list[tuple[Collection, RequestSpec]]) -> None:
    """Say how many images a run that sends traffic may generate; refuse one over --max-images before sending."""
    settings = config.stash.get(SETTINGS, None)
    if settings is None or not settings.sends_traffic:
        return
    estimated = estimated_images(settings, requests, config.stash.get(TARGET, None))
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"imagecontract: this run may generate up to {estimated} images ({settings.mode_name})")
    refused = refusal(estimated, config.option.max_images)
    if refused:
        pytest.exit(refused, returncode=pytest.ExitCode.USAGE_ERROR)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    settings = config.stash.get(SETTINGS, None)
    if settings is None:
        return None
    key = settings.environ.get(settings.api_key_env, "")
    target = redact_url(settings.target, [key] if key else [])
    return [f"imagecontract: target {target}, {settings.mode_name}, key ${settings.api_key_env} {'set' if key else 'not set'}"]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix in (".yaml", ".yml") and "collections" in file_path.parts[:-1] and file_path.name not in NOT_COLLECTIONS:
        return CollectionFile.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """An interrupted run ends its requests in flight at once, and (xdist's controller) waits for its workers
    only a moment: before xdist's own `pytest_sessionfinish` tears them down."""
    interrupted = exitstatus == pytest.ExitCode.INTERRUPTED
    if interrupted:
        deadline.interrupt_all()
        stop_waiting_for_workers(session.config.pluginmanager)
    prefetched = session.config.stash.get(PREFETCHER, None)
    if prefetched is not None:
        prefetched.close(wait=not interrupted)


def pytest_unconfigure(config: pytest.Config) -> None:
    client = config.stash.get(CLIENT, None)
    if client is not None:
        client.close()
    fresh = config.stash.get(FRESH_STORE, None)
    if fresh is not None:
        for suffix in ("", "-wal", "-shm", ".lock"):
            fresh.with_name(fresh.name + suffix).unlink(missing_ok=True)
    if SETTINGS in config.stash and not hasattr(config, "workerinput"):
        prune_all(Path(config.rootpath))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    results = config.stash.get(RESULTS, [])
    if not results:
        return
    terminalreporter.section("imagecontract latency (seconds)")
    samples = [
        (result.spec.endpoint or "other", seconds, result.budget.max)
        for result in results for seconds in result.latencies
    ]
    for line in format_table(latency_stats(samples)):
        terminalreporter.write_line(line)
    terminalreporter.section("imagecontract summary")
    for line in totals_table(results, skipped=len(terminalreporter.stats.get("skipped", []))):
        terminalreporter.write_line(line)
