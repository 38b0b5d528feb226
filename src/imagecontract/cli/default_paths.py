"""`imagecontract run` without test paths runs `collections/`: pytest decides what is a path.

Guessing from the command line (an argument that exists on disk) mistakes an option's value,
such as `--report reports`, for a test path; pytest's own parser knows which arguments are
paths, so this plugin only fills in the default when it found none.
"""

from __future__ import annotations

import pytest

DEFAULT_COLLECTIONS = "collections"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if config.args_source is not pytest.Config.ArgsSource.ARGS:
        config.args = [DEFAULT_COLLECTIONS]
