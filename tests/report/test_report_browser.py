"""The report as a browser shows it: headless Chromium over file://, no network."""

from __future__ import annotations

import pytest
from browser import browser_page

BROKEN_IMAGES = """Array.from(document.images)
    .filter(img => !img.closest('.media.hidden') && !(img.naturalWidth > 0))
    .map(img => img.outerHTML.slice(0, 120))"""
"""Images that did not load; pytest-html's own media viewer `<img src="">` is hidden when a test has no media."""


def test_report_renders_every_image_without_errors(project: pytest.Pytester, report_server) -> None:
    server = report_server
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


def test_the_gallery_shows_every_returned_image_before_any_click_and_links_to_its_test(project: pytest.Pytester,
                                                                                    report_server) -> None:
    project.runpytest("collections", "--target", report_server.base_url, "--live").assert_outcomes(passed=5, failed=1)
    problems: list[str] = []
    with browser_page(project.path / "reports" / "report.html", problems) as page:
        gallery = page.locator(".ic-gallery img[data-ic]")
        page.wait_for_function("Array.from(document.querySelectorAll('.ic-gallery img')).every(img => img.complete)")
        assert gallery.count() == 5, "one thumbnail per returned image: generate, variation, edit, stream, dog"
        assert page.evaluate("Array.from(document.querySelectorAll('.ic-gallery img'))"
                             ".every(img => img.naturalWidth > 0 && img.getBoundingClientRect().height > 0)")
        wrong = page.locator(".ic-gallery figure.ic-wrong-size")
        assert wrong.count() == 1 and 'expected size "512x512", got "256x256"' in wrong.inner_text()
        passed = page.locator(".ic-gallery figure.ic-right-size a").first
        anchor = passed.get_attribute("data-ic-test")
        assert not page.locator(f"#{anchor}").is_visible(), "a passed test's details start collapsed"
        passed.click()
        page.wait_for_function(f"document.getElementById('{anchor}').getBoundingClientRect().height > 0")
        assert page.locator(f"#{anchor}").is_visible()
        assert page.locator(".ic-summary .ic-axis text").count() == 5
    assert problems == []
