"""A page in headless Chromium (Debian's, through Playwright) that records every error and refuses the network."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest

from services import require_program

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@contextmanager
def browser_page(file: Path, problems: list[str]) -> Iterator[Any]:
    """`file` opened over file:// in a 1300x900 page; page errors, console errors and any fetch land in `problems`.

    Skips (naming the package) without Chromium or Playwright."""
    chromium = require_program("chromium", "chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            page.route("http*://**", lambda route: (problems.append(f"fetched {route.request.url}"), route.abort()))
            page.goto(file.as_uri())
            yield page
        finally:
            browser.close()
