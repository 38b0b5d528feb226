"""Importing the plugin before pytest starts, for `imagecontract run`.

pytest assertion-rewrites every module of a plugin it loads by entry point (and parses and compiles each again
where its own bytecode cache is missing); imported first, the plugin and everything it imports load as
ordinary modules, and pytest finds the plugin already imported.
"""

from __future__ import annotations


def import_plugin() -> None:
    import imagecontract.pytest.plugin  # noqa: F401
