"""The report as a browser shows it: headless Chromium over file://, no network."""

from __future__ import annotations

import pytest
from browser import browser_page

BROKEN_IMAGES = """Array.from(document.images)
    .filter(img => !img.closest('.media.hidden') && !(img.naturalWidth > 0))
    .map(img => img.outerHTML.slice(0, 120))"""
"""Images that did not load; pytest-html's own media viewer `<img src="">` is hidden when a test has no media."""


def test_report_renders_every_image_without_errors(project: pytest.Pytester, sandbox) -> None:
    server = sandbox()
    project.runpytest("collections", "--target", server.base_url, "--live").assert_outcomes(passed=5, failed=1)
    report = project.path / "reports" / "report.html"
    problems: list[str] = []
    with browser_page(report, problems) as page:
        page.click("#show_all_details")
        page.wait_for_function("Array.from(document.images).every(img => img.complete)")
        assert page.locator("img[data-ic]").count() >= 9
        assert page.evaluate(BROKEN_IMAGES) == []
        assert page.locator(".ic-summary svg rect").count() == 9
        page.screenshot(path=str(project.path / "report.png"), full_page=True)
    assert problems == []
