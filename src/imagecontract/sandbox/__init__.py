"""A local stand-in for the OpenAI Images API: real images, real errors, chosen faults.

`create_app(config)` gives the Starlette app; `running_sandbox(...)` runs one
on a free loopback port for the length of a `with` block. The names are
imported when first used, so importing one light submodule (`sandbox.config`,
`sandbox.faults`) does not load Starlette and uvicorn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imagecontract.sandbox.app import create_app
    from imagecontract.sandbox.config import SandboxConfig
    from imagecontract.sandbox.server import RunningSandbox, running_sandbox

_HOMES = {
    "create_app": "imagecontract.sandbox.app",
    "SandboxConfig": "imagecontract.sandbox.config",
    "RunningSandbox": "imagecontract.sandbox.server",
    "running_sandbox": "imagecontract.sandbox.server",
}

__all__ = ["RunningSandbox", "SandboxConfig", "create_app", "running_sandbox"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
