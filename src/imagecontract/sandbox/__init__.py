"""A local stand-in for the OpenAI Images API: real images, real errors, chosen faults.

`create_app(config)` gives the Starlette app; `running_sandbox(...)` runs one
on a free loopback port for the length of a `with` block.
"""

from imagecontract.sandbox.app import create_app
from imagecontract.sandbox.config import SandboxConfig
from imagecontract.sandbox.server import RunningSandbox, running_sandbox

__all__ = ["RunningSandbox", "SandboxConfig", "create_app", "running_sandbox"]
