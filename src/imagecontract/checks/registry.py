"""The check registry: every check by name, which to run, and running them on one exchange.

Modelled on Schemathesis' checks: a check is a small named function that
judges one exchange and returns its failures. Each registers with a predicate
saying when it applies, so a check that has nothing to judge is reported as
not applicable instead of passing silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Collection, Iterable

from imagecontract.errors import UnknownCheck, did_you_mean
from imagecontract.exchange import Exchange, Failure
from imagecontract.checks.leaks import redact
from imagecontract.schemas import SchemaStore


@dataclass
class CheckContext:
    """What checks need beyond the exchange: the schemas, and the edit comparison's leeway."""

    schemas: SchemaStore
    edit_tolerance: int = 8
    """How far (0-255) a colour channel may move before a pixel counts as changed."""
    edit_allowed_fraction: float = 0.001
    """The share of pixels outside the mask that may change (resampling, compression)."""
    variation_min_structure: float = 0.35
    """How alike (correlation of 32x32 edge maps, see `structure`) a variation's edges must be to its input's."""
    baselines: dict[str, Any] = field(default_factory=dict)
    """Facts this run measured on its target, shared between requests (see `checks.models.input_images_used`)."""

    @classmethod
    def default(cls, rootdir: Path | None = None) -> CheckContext:
        """A context over the default schemas (see `default_schemas_dir`)."""
        return cls(SchemaStore.default(rootdir))


CheckFunction = Callable[[Exchange, CheckContext], list[Failure]]
Applies = Callable[[Exchange], bool]

CONTRACT = "contract"
"""A violation of the API's contract: fails the test."""
ADVISORY = "advisory"
"""A difference worth showing that a correct answer may have (a reworded message, a heuristic's doubt):
shown, but fails the test only with `--strict`."""
SEVERITIES = (CONTRACT, ADVISORY)


@dataclass(frozen=True)
class Check:
    """A registered check: its name, what it judges, and when it applies."""

    name: str
    function: CheckFunction
    applies: Applies
    summary: str
    severity: str = CONTRACT


@dataclass
class CheckOutcome:
    """What one check said about one exchange."""

    name: str
    applicable: bool
    failures: list[Failure] = field(default_factory=list)
    severity: str = CONTRACT

    @property
    def passed(self) -> bool:
        return self.applicable and not self.failures

    def fails_test(self, strict: bool = False) -> bool:
        """Whether this outcome's failures fail the test: a contract check's always, an advisory's under --strict."""
        return bool(self.failures) and (strict or self.severity == CONTRACT)


CHECKS: dict[str, Check] = {}
"""Every check, in the order they run and are reported."""


def check(*, applies: Applies, severity: str = CONTRACT) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check under its function name; `applies` says when it has something to judge,
    `severity` whether its findings fail the test (contract) or are shown only (advisory)."""

    def register(function: CheckFunction) -> CheckFunction:
        name = function.__name__
        if name in CHECKS:
            raise ValueError(f"check {name!r} is registered twice")
        if severity not in SEVERITIES:
            raise ValueError(f"check {name!r}: severity {severity!r} is not one of {', '.join(SEVERITIES)}")
        summary = (function.__doc__ or "").strip().split("\n", 1)[0]
        CHECKS[name] = Check(name, function, applies, summary, severity)
        return function

    return register


def check_names(names: Iterable[str], where: str) -> list[str]:
    """`names` as given, or UnknownCheck for the first that is not a check, with a suggestion."""
    names = list(names)
    for name in names:
        if name not in CHECKS:
            hint = did_you_mean(name, CHECKS)
            raise UnknownCheck(f"{where}: unknown check {name!r}{hint}; known checks: {', '.join(CHECKS)}")
    return names


def selected_checks(exchange: Exchange, select: Collection[str] | None = None, skip: Collection[str] = ()) -> list[str]:
    """The checks to run: the caller's selection narrowed by the request's `expect.checks`,
    minus both skip lists, in registry order."""
    chosen = set(check_names(select, "selected checks")) if select is not None else set(CHECKS)
    if "checks" in exchange.expect:
        chosen &= set(check_names(exchange.expect["checks"], "expect.checks"))
    chosen -= set(check_names(skip, "skipped checks"))
    chosen -= set(check_names(exchange.expect.get("skip_checks", ()), "expect.skip_checks"))
    return [name for name in CHECKS if name in chosen]


def run_checks(
    exchange: Exchange,
    context: CheckContext,
    select: Collection[str] | None = None,
    skip: Collection[str] = (),
) -> list[CheckOutcome]:
    """Run the selected checks on one exchange. Reasons never carry the exchange's secrets."""
    outcomes = []
    for name in selected_checks(exchange, select, skip):
        registered = CHECKS[name]
        if not registered.applies(exchange):
            outcomes.append(CheckOutcome(name, applicable=False, severity=registered.severity))
            continue
        failures = [
            replace(failure, reason=redact(failure.reason, exchange.secrets))
            for failure in registered.function(exchange, context)
        ]
        outcomes.append(CheckOutcome(name, applicable=True, failures=failures, severity=registered.severity))
    return outcomes
