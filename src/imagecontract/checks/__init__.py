"""Contract checks: each a named function judging one exchange, run and reported by name.

Importing this package registers every check in `CHECKS`; checks run and are
reported in the order of `CHECK_MODULES`, then of definition.
"""

from __future__ import annotations

import importlib

from imagecontract.checks.registry import (
    ADVISORY,
    CHECKS,
    CONTRACT,
    Check,
    CheckContext,
    CheckOutcome,
    UnknownCheck,
    check,
    check_names,
    run_checks,
    selected_checks,
)

CHECK_MODULES = ("http", "schema", "errors", "images", "models", "streaming", "fields", "latency", "upstream",
                 "upstream_leaks")

for _module in CHECK_MODULES:
    importlib.import_module(f"{__name__}.{_module}")

__all__ = [
    "ADVISORY",
    "CHECKS",
    "CONTRACT",
    "CHECK_MODULES",
    "Check",
    "CheckContext",
    "CheckOutcome",
    "UnknownCheck",
    "check",
    "check_names",
    "run_checks",
    "selected_checks",
]
