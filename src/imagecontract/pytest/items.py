"""The pytest nodes: a collection file, one item per request, and how a failed request reads."""

from __future__ import annotations

import functools
import re
from datetime import date
from pathlib import Path
from typing import Any, Iterator

import pytest

from imagecontract import lifecycle, rules
from imagecontract.collection.folders import refuse_shared_folder
from imagecontract.collection.iterations import iterations
from imagecontract.collection.loader import load_collection
from imagecontract.collection.model import Collection, RequestSpec
from imagecontract.errors import ImageContractError, RunStopped
from imagecontract.pytest.keys import CLIENT, PREFETCHER, RESULT, RESULTS, ROWS, SETTINGS
from imagecontract.run import deadline
from imagecontract.run.engine import CollectionState, RequestResult, run_dependencies, run_request
from imagecontract.run.http import new_client
from imagecontract.run.prefetch import PrefetchStopped


class CollectionFile(pytest.File):
    """A collection YAML file: validated on collection, one item per request (per `--iteration-data` row)."""

    collection: Collection

    def collect(self) -> Iterator[pytest.Item]:
        shown = functools.partial(_relative, root=self.config.rootpath)
        refuse_shared_folder(self.path, shown)
        self.collection = load_collection(self.path, display=shown(self.path))
        day = lifecycle.meaning_day(self.collection.as_of, self.config.stash[SETTINGS].as_of)
        for collection, row in iterations(self.collection, self.config.stash.get(ROWS, None)):
            state = CollectionState(values=dict(row))
            for spec in collection.requests:
                item = RequestItem.from_parent(self, name=spec.name, spec=spec, collection=collection, state=state)
                for name in mark_names(spec, day):
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


def mark_names(spec: RequestSpec, day: date | None = None) -> list[str]:
    """Marks from the endpoint, the model (as the request means it on `day`), an expected error, and the tags."""
    names = [spec.endpoint] if spec.endpoint else []
    model = lifecycle.request_model(spec, day or rules.today())
    if spec.endpoint and model:
        names.append(mark_name(model))
    if spec.expectation.expects_error:
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
        except KeyboardInterrupt:
            deadline.interrupt_all()
            pytest.exit(f"imagecontract: interrupted (Ctrl-C) during {self.nodeid}; answers in flight were dropped",
                        returncode=pytest.ExitCode.INTERRUPTED)
        except RunStopped as exc:
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
        client = shared_client(self.config)
        blocked = run_dependencies(settings, client, self.collection, self.spec, self.state)
        if blocked:
            pytest.skip(blocked)
        return run_request(settings, client, self.collection, self.spec, self.state)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, (ContractFailure, ImageContractError)):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """The request's line in its YAML file (0-based, as pytest counts), so `path:line` points at it."""
        line = self.spec.line - 1 if self.spec.line else None
        return self.path, line, f"{self.collection.name}: {self.spec.name}"


def shared_client(config: pytest.Config) -> Any:
    """The run's one shared HTTP client, created on first use."""
    if CLIENT not in config.stash:
        config.stash[CLIENT] = new_client()
    return config.stash[CLIENT]
