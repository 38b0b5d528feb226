"""pytest wiring of sandwich mode and severity: `--upstream`, `--upstream-key-env`, `--overhead-budget`, `--strict-checks`,
the advisories shown on each test, and the gateway's overhead per endpoint at the end of the run.

`install_gateway` is called from the imagecontract plugin's `pytest_addoption`; the logic lives in `gateway/`.
"""

from __future__ import annotations

from typing import Any, Generator

import pytest

from imagecontract.collection.targets import checked_url
from imagecontract.errors import ImageContractError
from imagecontract.gateway.upstream import DEFAULT_OVERHEAD_BUDGET, Upstream
from imagecontract.latency import format_table, latency_stats

PLUGIN_NAME = "imagecontract-gateway"
UPSTREAM_KEY_ENV = "IMAGECONTRACT_UPSTREAM_KEY"


def install_gateway(group: Any, pluginmanager: pytest.PytestPluginManager) -> None:
    """Add the sandwich-mode and severity options to `group` and register their hooks; a second call does nothing."""
    if pluginmanager.has_plugin(PLUGIN_NAME):
        return
    group.addoption("--upstream", default=None, metavar="URL",
                    help="sandwich mode: the sandbox the gateway under test forwards to (http://127.0.0.1:PORT); "
                         "its journal is compared with what the client sent and got (needs --live)")
    group.addoption("--upstream-key-env", default=UPSTREAM_KEY_ENV, metavar="NAME",
                    help=f"the variable holding the key the gateway uses upstream, which must never reach the client "
                         f"(default {UPSTREAM_KEY_ENV})")
    group.addoption("--overhead-budget", type=float, default=None, metavar="SECONDS",
                    help=f"how much a gateway may add to each request (default: the target's, else {DEFAULT_OVERHEAD_BUDGET:g})")
    group.addoption("--strict-checks", action="store_true",
                    help="advisory findings (a reworded message, a heuristic's doubt) fail the test too "
                         "(pytest's own --strict means --strict-markers)")
    pluginmanager.register(GatewayPlugin(), PLUGIN_NAME)


class GatewayPlugin:
    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        from imagecontract.pytest.keys import SETTINGS, TARGET

        settings, option = config.stash.get(SETTINGS, None), config.option
        if settings is None:
            return
        settings.strict = bool(option.strict_checks)
        if not option.upstream:
            return
        named = config.stash.get(TARGET, None)
        try:
            if not settings.live:
                raise ImageContractError("--upstream reads what the sandbox behind the gateway received: it needs --live")
            origin = checked_url(option.upstream).rstrip("/").removesuffix("/v1")
        except ImageContractError as exc:
            raise pytest.UsageError(str(exc).replace("--target", "--upstream")) from None
        budget = option.overhead_budget
        if budget is None:
            budget = named.overhead_budget if named is not None and named.overhead_budget is not None else DEFAULT_OVERHEAD_BUDGET
        settings.upstream = Upstream(origin, key=settings.environ.get(option.upstream_key_env, ""),
                                     client_key=settings.environ.get(settings.api_key_env, ""), overhead_budget=budget,
                                     allow=frozenset(named.allow) if named is not None else frozenset())

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        from imagecontract.pytest.keys import RESULT

        report = yield
        result = item.stash.get(RESULT, None)
        if report.when == "call" and result is not None and result.advisories:
            lines = [f"  {failure}" for failure in result.advisories]
            report.sections.append(("imagecontract advisories", "advisory findings (not failing; --strict-checks fails them):\n"
                                    + "\n".join(lines)))
        return report

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        from imagecontract.pytest.keys import SETTINGS

        settings = config.stash.get(SETTINGS, None)
        if settings is not None and settings.upstream is not None:
            settings.upstream.close()

    def pytest_terminal_summary(self, terminalreporter: Any, config: pytest.Config) -> None:
        from imagecontract.pytest.keys import RESULTS

        samples = []
        for result in config.stash.get(RESULTS, []):
            for exchange in result.exchanges:
                view = exchange.upstream
                overhead = view.overhead(exchange.response.elapsed) if view is not None else None
                if overhead is not None:
                    samples.append((result.spec.endpoint or "other", overhead, view.overhead_budget))
        if samples:
            terminalreporter.section("imagecontract gateway overhead (seconds: client latency minus upstream latency)")
            for line in format_table(latency_stats(samples)):
                terminalreporter.write_line(line)
