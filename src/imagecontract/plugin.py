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

from imagecontract import budget as image_budget
from imagecontract.cassettes import RecordMode
from imagecontract.collection import Collection, RequestSpec, load_collection
from imagecontract.engine import (
    PUBLIC_API_BASE_URL, CollectionState, RequestResult, RunSettings, run_dependencies, run_request,
)
from imagecontract.environment import load_environment
from imagecontract.errors import ImageContractError
from imagecontract.http import new_client
from imagecontract.report.hooks import install_report
from imagecontract.latency import format_table, latency_stats
from imagecontract.rules import effective_model
from imagecontract.schemas import SchemaStore
from imagecontract.targets import Target, resolve_target
from imagecontract.templating import layered, parse_assignments

SETTINGS = pytest.StashKey[RunSettings]()
RESULT = pytest.StashKey[RequestResult]()
RESULTS = pytest.StashKey[list[RequestResult]]()
TARGET = pytest.StashKey["Target | None"]()

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
    group.addoption("--cassette-dir", default=None, metavar="DIR", help="where cassettes live (default: <rootdir>/cassettes)")
    group.addoption("--schemas-dir", default=None, metavar="DIR", help="response schemas (default: <rootdir>/schemas)")
    group.addoption("--rate-limit", type=int, default=None, metavar="IMAGES_PER_MIN",
                    help="at most this many images per minute, shared by every process of the run (waits, never fails)")
    group.addoption("--max-images", type=int, default=None, metavar="N",
                    help="refuse a run that could generate more than N images; stop a running one at N")
    group.addoption("--run-id", default=None, metavar="ID",
                    help="the run whose budget this process shares (default: $GITHUB_RUN_ID, $CI_PIPELINE_ID, xdist's run uid, or fresh)")
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
        record_command=f"imagecontract run --record-mode once --target {shlex.quote(option.target or target)}",
    )
    if option.rate_limit or option.max_images is not None:
        run = image_budget.run_id(option.run_id, os.environ)
        config.stash[SETTINGS].image_budget = image_budget.ImageBudget(
            path=image_budget.default_path(rootdir, run), key=image_budget.store_key(run, target),
            rate_limit=option.rate_limit, max_images=option.max_images, window=image_budget.window_seconds(os.environ),
        )
    config.stash[RESULTS] = []
    for name, text in (("error", "requests that expect an error answer"),
                       ("live_only", "requests that only make sense live (skipped on replay)"),
                       ("generations", "POST /images/generations"), ("edits", "POST /images/edits"),
                       ("variations", "POST /images/variations")):
        config.addinivalue_line("markers", f"{name}: {text}")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a request needing a capability the named target declares unsupported."""
    named = item.config.stash.get(TARGET, None)
    if named is not None and isinstance(item, RequestItem):
        reason = named.skip_reason(item.nodeid, [mark.name for mark in item.iter_markers()])
        if reason:
            pytest.skip(reason)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Cost guard: say how many images a run that sends traffic may generate; refuse one over --max-images."""
    settings = session.config.stash.get(SETTINGS, None)
    if settings is None or not settings.sends_traffic:
        return
    estimated = 0
    for item in session.items:
        if not isinstance(item, RequestItem) or ("live_only" in item.spec.tags and not settings.live):
            continue
        collection = item.collection_file.collection
        if not settings.live and settings.record_mode is RecordMode.ONCE and settings.cassette_path(collection, item.spec).exists():
            continue
        variables = layered(settings.variables, collection.variables, settings.environ)
        estimated += image_budget.request_images(item.spec, variables)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and not hasattr(session.config, "workerinput"):
        reporter.write_line(f"imagecontract: this run may generate up to {estimated} images ({settings.mode_name})")
    refused = image_budget.refusal(estimated, session.config.option.max_images)
    if refused:
        pytest.exit(refused, returncode=pytest.ExitCode.USAGE_ERROR)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    settings = config.stash.get(SETTINGS, None)
    if settings is None:
        return None
    key_state = "set" if settings.environ.get(settings.api_key_env) else "not set"
    return [f"imagecontract: target {settings.target}, {settings.mode_name}, key ${settings.api_key_env} {key_state}"]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix in (".yaml", ".yml") and "collections" in file_path.parts[:-1] and file_path.name not in NOT_COLLECTIONS:
        return CollectionFile.from_parent(parent, path=file_path)
    return None


class CollectionFile(pytest.File):
    """A collection YAML file: validated on collection, one item per request."""

    collection: Collection
    state: CollectionState

    def collect(self) -> Iterator[pytest.Item]:
        self.collection = load_collection(self.path, display=self.config.rootpath and _relative(self.path, self.config.rootpath))
        self.state = CollectionState()
        for spec in self.collection.requests:
            item = RequestItem.from_parent(self, name=spec.name, spec=spec)
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

    def __init__(self, *, spec: RequestSpec, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec

    @property
    def collection_file(self) -> CollectionFile:
        assert isinstance(self.parent, CollectionFile)
        return self.parent

    def runtest(self) -> None:
        settings = self.config.stash[SETTINGS]
        if "live_only" in self.spec.tags and not settings.live:
            pytest.skip("live_only: runs only with --live")
        parent = self.collection_file
        client = _client(self.config)
        blocked = run_dependencies(settings, client, parent.collection, self.spec, parent.state)
        if blocked:
            pytest.skip(blocked)
        result = run_request(settings, client, parent.collection, self.spec, parent.state)
        self.stash[RESULT] = result
        self.config.stash[RESULTS].append(result)
        if result.retries:
            self.add_report_section("call", "imagecontract retries", "\n".join(result.retries))
            self.user_properties.append(("retries", list(result.retries)))
        if result.stop_run:
            self.session.shouldstop = f"imagecontract: {result.stop_run}"
        if not result.passed:
            raise ContractFailure(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, (ContractFailure, ImageContractError)):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.collection_file.collection.name}: {self.spec.name}"


_CLIENT = pytest.StashKey[Any]()


def _client(config: pytest.Config) -> Any:
    """The run's one shared HTTP client, created on first use."""
    if _CLIENT not in config.stash:
        config.stash[_CLIENT] = new_client()
    return config.stash[_CLIENT]


def pytest_unconfigure(config: pytest.Config) -> None:
    client = config.stash.get(_CLIENT, None)
    if client is not None:
        client.close()


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
