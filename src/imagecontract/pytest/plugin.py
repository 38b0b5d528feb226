"""The pytest plugin: options, collection of `collections/**/*.yaml`, and one test per request.

Only hooks and wiring live here; loading, sending, cassettes and checks are
plain modules (`collection`, `engine`, `cassettes`, `checks`).
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Any, Iterator

import pytest

from imagecontract.cassettes.session import RecordMode
from imagecontract.collection.environment import load_environment
from imagecontract.collection.iterations import find_request, iterations, load_rows
from imagecontract.collection.loader import Collection, RequestSpec, load_collection
from imagecontract.collection.targets import Target, resolve_target
from imagecontract.collection.templating import layered, parse_assignments
from imagecontract.distributed.shard import (
    ShardSpec,
    Unit,
    chain_groups,
    estimated_seconds,
    parse_shard,
    plan,
    rate_limited_seconds,
)
from imagecontract.distributed.xdist_chains import chain_scheduler
from imagecontract.errors import ImageContractError
from imagecontract.image_budget import budget as image_budget
from imagecontract.latency import format_table, latency_stats
from imagecontract.pytest.report_hooks import install_report
from imagecontract.redact import redact_url
from imagecontract.report.run_totals import totals_table
from imagecontract.rules import effective_model
from imagecontract.run.engine import (
    PUBLIC_API_BASE_URL,
    CollectionState,
    RequestResult,
    RunSettings,
    run_dependencies,
    run_request,
)
from imagecontract.run.http import new_client
from imagecontract.run.prefetch import Prefetcher, PrefetchStopped
from imagecontract.schemas import SchemaStore

SETTINGS = pytest.StashKey[RunSettings]()
RESULT = pytest.StashKey[RequestResult]()
RESULTS = pytest.StashKey[list[RequestResult]]()
TARGET = pytest.StashKey["Target | None"]()
SHARD = pytest.StashKey["ShardSpec | None"]()
SHARD_PLAN = pytest.StashKey[list[list[str]]]()
"""Every shard's node ids, as this process planned them (for the summary, so merging can tell what is missing)."""
SHARD_PLAN_OUTPUT = "imagecontract_shard_plan"
"""The key of the shard plan in an xdist worker's `workeroutput`."""
ESTIMATED = pytest.StashKey[bool]()
CHAIN_SCOPES = pytest.StashKey[dict[str, str]]()
"""Under xdist: node id of each chained test -> its chain's first node id, so one worker runs the chain."""
PREFETCHER = pytest.StashKey["Prefetcher[str, RequestResult]"]()
ROWS = pytest.StashKey["list[Any] | None"]()
"""`--iteration-data` rows, or None: every request runs once per row."""
FRESH_STORE = pytest.StashKey[Path]()
"""The SQLite budget file of a run nobody else can join, removed when the run ends."""

NOT_COLLECTIONS = frozenset({"targets.yaml", "targets.yml"})
"""YAML files under collections/ that are configuration, not requests."""


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    group = parser.getgroup("imagecontract", "OpenAI Images API contract tests")
    group.addoption("--target", default=None, metavar="URL|NAME",
                    help="base URL of the API under test, including /v1, or a target named in collections/targets.yaml "
                         "(default: $OPENAI_BASE_URL, else the public API)")
    group.addoption("--api-key-env", default=None, metavar="NAME",
                    help="environment variable holding the API key (default: the target's, else OPENAI_API_KEY)")
    group.addoption("--record-mode", default="none", choices=[mode.value for mode in RecordMode],
                    help="cassette mode, as vcrpy: none replays only and never connects (default)")
    group.addoption("--replay-pace", default="recorded", choices=["recorded", "instant"],
                    help="replay a recorded stream at its recorded pace (default) or at once")
    group.addoption("--live", action="store_true", help="send every request to the target; read and write no cassette")
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
    install_report(group, pluginmanager)


def pytest_configure(config: pytest.Config) -> None:
    rootdir = Path(config.rootpath)
    option = config.option
    try:
        variables = {}
        if option.env_file:
            variables.update(load_environment(Path(option.env_file)))
        variables.update(parse_assignments(option.var))
        named = resolve_target(option.target, rootdir) if option.target else None
        config.stash[ROWS] = load_rows(Path(option.iteration_data)) if option.iteration_data else None
    except ImageContractError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[TARGET] = named
    target = named.base_url if named else os.environ.get("OPENAI_BASE_URL") or PUBLIC_API_BASE_URL
    config.stash[SETTINGS] = RunSettings(
        target=target,
        api_key_env=option.api_key_env or (named.api_key_env if named else "") or "OPENAI_API_KEY",
        record_mode=RecordMode(option.record_mode),
        live=option.live,
        latency_scale=option.latency_scale,
        replay_pace=option.replay_pace,
        variables=variables,
        cassette_dir=Path(option.cassette_dir) if option.cassette_dir else rootdir / "cassettes",
        schemas=SchemaStore(Path(option.schemas_dir)) if option.schemas_dir else SchemaStore.default(rootdir),
        record_command=f"imagecontract run --record-mode once --target {shlex.quote(option.target or target)}"
                       + (f" --cassette-dir {shlex.quote(option.cassette_dir)}" if option.cassette_dir else ""),
    )
    try:
        _check_concurrency(option)
        config.stash[SHARD] = parse_shard(option.shard) if option.shard else None
        if config.stash[SETTINGS].sends_traffic:
            config.stash[SETTINGS].image_budget = _open_budget(config, rootdir, target)
    except ImageContractError as exc:
        raise pytest.UsageError(str(exc)) from None
    except image_budget.BudgetStoreError as exc:
        raise pytest.UsageError(f"{exc}; nothing was sent (start the store, or fix --budget-url)") from None
    config.stash[RESULTS] = []
    for name, text in (("error", "requests that expect an error answer"),
                       ("live_only", "requests that only make sense live (skipped on replay)"),
                       ("generations", "POST /images/generations"), ("edits", "POST /images/edits"),
                       ("variations", "POST /images/variations")):
        config.addinivalue_line("markers", f"{name}: {text}")


def _check_concurrency(option: Any) -> None:
    """`--concurrency` sends from threads: only live (vcrpy patches httpx process-wide, one cassette at a time)."""
    if option.concurrency is None:
        return
    if option.concurrency < 1:
        raise ImageContractError(f"--concurrency {option.concurrency}: expected a number of requests in flight, 1 or more")
    if not option.live:
        raise ImageContractError("--concurrency needs --live: cassettes are recorded and replayed one at a time "
                                 "(vcrpy patches httpx for the whole process); use -n N (pytest-xdist) to record concurrently")
    if getattr(option, "numprocesses", None):
        raise ImageContractError("--concurrency and -n both run requests concurrently: choose one")


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
    _client(config)
    config.stash[PREFETCHER] = Prefetcher(lambda nodeid: by_id[nodeid].execute(),
                                          [[unit.nodeid for unit in group] for group in chain_groups(units)], workers)


def _open_budget(config: pytest.Config, rootdir: Path, target: str) -> image_budget.ImageBudget:
    """The run's shared budget, its store checked now: an unreachable store stops the run before anything is sent.

    The xdist controller hands its run id to the workers as their test run uid, so they share its store; a
    SQLite store made for a run with a fresh id is removed when the run ends (nobody else can join it).
    """
    option = config.option
    given = image_budget.given_run_id(option.run_id, os.environ)
    run = given or image_budget.run_id(None, os.environ)
    if hasattr(option, "testrunuid") and option.testrunuid is None and not hasattr(config, "workerinput"):
        option.testrunuid = run
    url = option.budget_url or f"sqlite:///{image_budget.default_path(rootdir, run)}"
    if given is None and option.budget_url is None and not hasattr(config, "workerinput"):
        config.stash[FRESH_STORE] = image_budget.default_path(rootdir, run)
    store = image_budget.open_store(url, image_budget.store_key(run, target))
    store.check()
    return image_budget.ImageBudget(
        store=store, rate_limit=option.rate_limit, max_images=option.max_images,
        window=image_budget.window_seconds(os.environ),
    )


def declared_unsupported(item: pytest.Item) -> str | None:
    """Why the named target skips this request (a capability it declares unsupported), or None."""
    named = item.config.stash.get(TARGET, None)
    if named is None or not isinstance(item, RequestItem):
        return None
    return named.skip_reason(item.nodeid, [mark.name for mark in item.iter_markers()])


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
    weigh = rate_limited_seconds(rate, image_budget.window_seconds(os.environ)) if rate else estimated_seconds
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
    loaded: dict[str, Any] = {}
    found: dict[str, Collection] = {}
    units = []
    for nodeid in ids:
        path, _, name = nodeid.partition("::")
        if Path(path).suffix not in (".yaml", ".yml"):
            continue
        if path not in loaded:
            loaded[path] = iterations(load_collection(Path(config.rootpath) / path, display=path), config.stash.get(ROWS, None))
        found[nodeid], spec = find_request(loaded[path], name)
        units.append(Unit(nodeid, path, spec))
    scopes = config.stash.setdefault(CHAIN_SCOPES, {})
    for group in chain_groups(units):
        scopes.update({unit.nodeid: group[0].nodeid for unit in group if len(group) > 1})
    _guard_cost(config, [(found[unit.nodeid], unit.spec) for unit in units])


def _guard_cost(config: pytest.Config, requests: list[tuple[Collection, RequestSpec]]) -> None:
    """Say how many images a run that sends traffic may generate; refuse one over --max-images before sending."""
    settings = config.stash.get(SETTINGS, None)
    if settings is None or not settings.sends_traffic:
        return
    estimated = 0
    for collection, spec in requests:
        if "live_only" in spec.tags and not settings.live:
            continue
        if not settings.live and settings.record_mode is RecordMode.ONCE and settings.cassette_path(collection, spec).exists():
            continue
        estimated += image_budget.request_images(spec, layered(settings.variables, collection.variables, settings.environ))
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"imagecontract: this run may generate up to {estimated} images ({settings.mode_name})")
    refused = image_budget.refusal(estimated, config.option.max_images)
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


class CollectionFile(pytest.File):
    """A collection YAML file: validated on collection, one item per request (per `--iteration-data` row)."""

    collection: Collection

    def collect(self) -> Iterator[pytest.Item]:
        self.collection = load_collection(self.path, display=self.config.rootpath and _relative(self.path, self.config.rootpath))
        for collection, row in iterations(self.collection, self.config.stash.get(ROWS, None)):
            state = CollectionState(values=dict(row))
            for spec in collection.requests:
                item = RequestItem.from_parent(self, name=spec.name, spec=spec, collection=collection, state=state)
                for name in mark_names(spec):
                    self.config.addinivalue_line("markers", f"{name}: imagecontract mark")
                    item.add_marker(getattr(pytest.mark, name))
                yield item

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ImageContractError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def mark_names(spec: RequestSpec) -> list[str]:
    """Marks from the endpoint, the model, an expected error, and the request's tags."""
    names = [spec.endpoint] if spec.endpoint else []
    body = spec.json if isinstance(spec.json, dict) else ((spec.form or {}).get("fields") or {})
    model = effective_model(body, spec.endpoint, ((spec.form or {}).get("files") or {}).keys())
    if spec.endpoint and "{{" not in model:
        names.append(mark_name(model))
    if int(spec.expect.get("status", 200)) >= 400:
        names.append("error")
    names.extend(spec.tags)
    return list(dict.fromkeys(names))


def mark_name(text: str) -> str:
    """`gpt-image-1.5` -> `gpt_image_1_5`: marks must be identifiers."""
    return re.sub(r"\W", "_", text)


class ContractFailure(Exception):
    """Raised by a request item whose checks failed or whose exchange could not complete."""

    def __init__(self, result: RequestResult) -> None:
        self.result = result
        super().__init__(format_failures(result))


def format_failures(result: RequestResult) -> str:
    lines = [f"{result.spec.method} {result.exchanges[-1].request.url if result.exchanges else result.spec.path or result.spec.url}"]
    if result.error:
        lines.append(f"error: {result.error}")
    lines.extend(f"  {failure}" for failure in result.failures)
    return "\n".join(lines)


class RequestItem(pytest.Item):
    """One request of a collection, run as a test."""

    def __init__(self, *, spec: RequestSpec, collection: Collection, state: CollectionState, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.collection = collection
        """The collection this request belongs to (its copy for an `--iteration-data` row)."""
        self.state = state
        """What earlier requests of the same collection (and row) saved."""

    @property
    def collection_file(self) -> CollectionFile:
        assert isinstance(self.parent, CollectionFile)
        return self.parent

    def runtest(self) -> None:
        settings = self.config.stash[SETTINGS]
        if "live_only" in self.spec.tags and not settings.live:
            pytest.skip("live_only: runs only with --live")
        prefetched = self.config.stash.get(PREFETCHER, None)
        try:
            result = prefetched.result(self.nodeid) if prefetched and self.nodeid in prefetched else self.execute()
        except image_budget.RunStopped as exc:
            self.session.shouldstop = f"imagecontract: {exc}"
            pytest.skip(f"not sent: the run was stopped: {exc}")
        except PrefetchStopped as exc:
            pytest.skip(f"not sent: {exc}")
        self.stash[RESULT] = result
        self.config.stash[RESULTS].append(result)
        if result.retries:
            self.add_report_section("call", "imagecontract retries", "\n".join(result.retries))
            self.user_properties.append(("retries", list(result.retries)))
        if result.stop_run:
            self.session.shouldstop = f"imagecontract: {result.stop_run}"
            if prefetched is not None:
                prefetched.stop()
        if not result.passed:
            raise ContractFailure(result)

    def execute(self) -> RequestResult:
        """Send this request (after the producers of images it uploads, when -k left them out) and check it.

        Called by `runtest`, or ahead of it on a thread of the `--concurrency` prefetcher; touches no pytest state.
        """
        settings = self.config.stash[SETTINGS]
        client = _client(self.config)
        blocked = run_dependencies(settings, client, self.collection, self.spec, self.state)
        if blocked:
            pytest.skip(blocked)
        return run_request(settings, client, self.collection, self.spec, self.state)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, (ContractFailure, ImageContractError)):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.collection.name}: {self.spec.name}"


_CLIENT = pytest.StashKey[Any]()


def _client(config: pytest.Config) -> Any:
    """The run's one shared HTTP client, created on first use."""
    if _CLIENT not in config.stash:
        config.stash[_CLIENT] = new_client()
    return config.stash[_CLIENT]


def pytest_sessionfinish(session: pytest.Session) -> None:
    prefetched = session.config.stash.get(PREFETCHER, None)
    if prefetched is not None:
        prefetched.close()


def pytest_unconfigure(config: pytest.Config) -> None:
    client = config.stash.get(_CLIENT, None)
    if client is not None:
        client.close()
    fresh = config.stash.get(FRESH_STORE, None)
    if fresh is not None:
        for suffix in ("", "-wal", "-shm", ".lock"):
            fresh.with_name(fresh.name + suffix).unlink(missing_ok=True)


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
