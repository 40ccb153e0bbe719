"""End to end in a real browser: Debian's chromium, driven by Playwright, against the served app.

Screenshots of each page are saved under ``tests/artefacts/`` for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser_support import CHROMIUM, CHROMIUM_FLAGS, DRAWN_JS, ROOT, serve_app, wait_for_app

pytestmark = pytest.mark.browser

ARTEFACTS = ROOT / "tests" / "artefacts"


@pytest.fixture(scope="module")
def server():
    """The sample place's app served by Streamlit on a free loopback port, stopped after the module."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with open(ARTEFACTS / "streamlit.log", "w") as log:
        try:
            with serve_app(ROOT / "data" / "trafford", log) as url:
                yield url
        except RuntimeError as exc:
            pytest.fail(f"{exc}; see {log.name}")


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: `make test` installs Debian's chromium package")
        pytest.skip("chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def map_frame(page, index: int = 0, timeout: float = 60_000):
    """The ``index``-th folium map's frame, once Leaflet has drawn it."""
    page.wait_for_selector("iframe[title*='st_folium']", timeout=timeout)
    frame = page.frames[1 + index]
    frame.wait_for_selector(".leaflet-container", timeout=timeout)
    return frame


def download(page, button: str, *, reload: bool = False) -> Path:
    """Click a download button and save what arrives under the artefacts folder.

    A click that lands while the page is still rerunning can be lost, so one more click
    is made (after the app settles) if nothing arrives within 30 s. With ``reload`` (a page
    that needs nothing from its session, as a person would do) the page is loaded again
    first: once, on a fresh clone's first run, the Portfolio page's button stayed disabled
    through both waits, where the same test run again downloaded within seconds.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(2):
        try:
            target = page.get_by_role("button", name=button)
            # a button is disabled while the page reruns; on a loaded machine that can outlast a click's wait
            target.wait_for(state="visible", timeout=60_000)
            page.wait_for_function("(b) => !b.disabled", arg=target.element_handle(), timeout=120_000)
            with page.expect_download(timeout=30_000) as arrived:
                target.click()
            break
        except PlaywrightTimeout:
            if attempt:
                raise
            if reload:
                page.reload()
            wait_for_app(page)
    saved = ARTEFACTS / arrived.value.suggested_filename
    arrived.value.save_as(saved)
    return saved


def drawn(frame, at_least: int = 1, timeout: float = 60_000) -> int:
    """Wait until a map has drawn ``at_least`` features (SVG, canvas or clusters); how many it drew."""
    frame.wait_for_function(f"() => ({DRAWN_JS})() >= {at_least}", timeout=timeout)
    return frame.evaluate(DRAWN_JS)


def test_place_page_draws_its_maps(server, page):
    page.goto(server)
    wait_for_app(page)
    page.get_by_text("Residents' access to services today").wait_for(timeout=90_000)
    frame = map_frame(page)
    assert drawn(frame) > 0
    page.screenshot(path=str(ARTEFACTS / "place.png"), full_page=True)


def test_portfolio_page_downloads_the_validation_report(server, page):
    page.goto(f"{server}/portfolio")
    wait_for_app(page)
    page.get_by_text("Validation report").first.wait_for(timeout=90_000)
    frame = map_frame(page)
    assert drawn(frame) > 0
    page.screenshot(path=str(ARTEFACTS / "portfolio.png"), full_page=True)
    saved = download(page, "Download the full report (CSV)", reload=True)
    lines = saved.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("partner,file,row,name,holding_id,outcome")
    assert len(lines) > 663


def test_default_scenario_end_to_end(server, page):
    """Run the default scenario on the sample place, see the co-location map, download the disposal list."""
    page.goto(f"{server}/scenario")
    wait_for_app(page)
    page.get_by_role("spinbutton", name="Time limit (s)").fill("20")
    page.get_by_role("spinbutton", name="Time limit (s)").press("Tab")
    page.screenshot(path=str(ARTEFACTS / "scenario.png"), full_page=True)
    page.get_by_role("button", name="Run this scenario").click()
    page.get_by_text("Finished").first.wait_for(timeout=300_000)
    page.get_by_role("link", name="See the results of Default").first.click()
    wait_for_app(page)
    page.get_by_text("Co-location map").wait_for(timeout=60_000)
    frame = map_frame(page)
    assert drawn(frame, at_least=50) > 50
    assert page.get_by_text("Revenue savings a year").count() >= 1
    page.screenshot(path=str(ARTEFACTS / "results.png"), full_page=True)

    page.goto(f"{server}/export")
    wait_for_app(page)
    page.get_by_role("button", name="Disposal list (CSV)").wait_for(timeout=60_000)
    page.get_by_text("Moves", exact=True).last.wait_for(timeout=60_000)
    wait_for_app(page)
    page.screenshot(path=str(ARTEFACTS / "export.png"), full_page=True)
    saved = download(page, "Disposal list (CSV)")
    lines = saved.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("Holding id,Register id,UPRN,Partner,Name")  # headings in words, as in the workbook
    assert len(lines) > 10

    page.goto(f"{server}/compare")
    wait_for_app(page)
    page.screenshot(path=str(ARTEFACTS / "compare.png"), full_page=True)


def test_a_page_address_opened_first_on_a_fresh_server_gets_the_apps_navigation(browser):
    """Before app.py has ever run, Streamlit would serve /portfolio from pages/ alone (helpers listed as pages)."""
    with open(ARTEFACTS / "streamlit_fresh.log", "w") as log, serve_app(ROOT / "data" / "trafford", log) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        try:
            page.goto(f"{url}/portfolio")
            page.get_by_role("heading", name="Portfolio").wait_for(timeout=90_000)
            nav = page.locator("[data-testid='stSidebarNav'] a")
            nav.first.wait_for(timeout=30_000)
            labels = [text.split("\n")[-1] for text in nav.all_inner_texts()]
            assert labels == ["Place", "Portfolio", "Scenario", "Results", "Compare", "Export"]
            assert page.url.endswith("/portfolio")
        finally:
            context.close()
