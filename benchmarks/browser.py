"""Browser benchmark: how long the Results page takes to draw its map for a 5,000-holding estate.

One command::

    python benchmarks/browser.py [--quick] [--holdings 5000] [--zones 1700]

It writes a seeded synthetic place, serves the app on loopback, runs the default
scenario from the Scenario page in Debian's chromium (the solve is not timed), then
times, from clicking through to Results until the co-location map has drawn its
markers. The Portfolio page's clustered map is timed the same way. Target: under 3 s.
Ends with ``RESULT case=browser_results ...`` and ``RESULT case=browser_portfolio ...``.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic_place import write_place  # noqa: E402

from tests.browser_support import CHROMIUM, CHROMIUM_FLAGS, DRAWN_JS, serve_app, wait_for_app  # noqa: E402

TARGET_S = 3.0
OUT = ROOT / "benchmarks" / "out"


def _map_drawn(page, at_least: int, timeout: float = 120_000) -> int:
    """Wait until a map in the page has drawn ``at_least`` features; how many it drew."""
    page.wait_for_selector("iframe[title*='st_folium']", timeout=timeout)
    deadline = time.monotonic() + timeout / 1000
    while time.monotonic() < deadline:
        for frame in page.frames[1:]:
            try:
                count = frame.evaluate(DRAWN_JS)
            except Exception:  # noqa: BLE001 - a frame may be replaced while it is read
                continue
            if count >= at_least:
                return count
        time.sleep(0.05)
    raise TimeoutError("the map was not drawn in time")


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 holdings and 400 zones")
    parser.add_argument("--holdings", type=int, default=5000)
    parser.add_argument("--zones", type=int, default=1700)
    parser.add_argument("--portfolio-only", action="store_true", help="time the Portfolio page only (no run)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="solver time limit for the scenario run")
    args = parser.parse_args()
    holdings, zones = (1000, 400) if args.quick else (args.holdings, args.zones)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        place = write_place(Path(folder) / "place", holdings=holdings, zones=zones)
        with serve_app(place, timeout=120.0) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})

            page.goto(f"{url}/portfolio")
            # the first visit loads and validates the place (cached after): wait for its map
            _time_map(page, time.perf_counter(), "The whole estate", 1)
            page.goto(f"{url}/portfolio")
            portfolio = _time_map(page, time.perf_counter(), "The whole estate", 1)
            if args.portfolio_only:
                browser.close()
                _report_portfolio(holdings, portfolio)
                return

            page.goto(f"{url}/scenario")
            wait_for_app(page, timeout=600_000)
            page.get_by_role("spinbutton", name="Time limit (s)").fill(str(args.time_limit))
            page.get_by_role("button", name="Run this scenario").click()
            page.get_by_text(re.compile(r"Default: (Finished|Failed)")).first.wait_for(timeout=1_800_000)
            outcome = page.get_by_text(re.compile(r"Default: (Finished|Failed)")).first.inner_text()
            print(f"Scenario run: {outcome}")
            if "Failed" in outcome or "no plan" in outcome or "infeasible" in outcome:
                raise SystemExit("the scenario produced no plan, so there is no results map to time")

            page.get_by_role("link", name="See the results of Default").first.click()
            try:
                results = _time_map(page, time.perf_counter(), "Co-location map", holdings)
            except BaseException:
                OUT.mkdir(exist_ok=True)
                page.screenshot(path=str(OUT / "results_timeout.png"), full_page=True)
                raise
            browser.close()

    _report_portfolio(holdings, portfolio)
    print(
        f"Results map, {holdings:,} holdings and {zones:,} zones: {results['drawn_s']:.2f} s until "
        f"{results['features']:,} features were drawn (target {TARGET_S:g} s); map heading shown at "
        f"{results['heading_s']:.2f} s, map frame attached at {results['frame_s']:.2f} s"
    )
    print(
        f"RESULT case=browser_results holdings={holdings} zones={zones} seconds={results['drawn_s']:.2f} "
        f"target_s={TARGET_S:g} ratio={results['drawn_s'] / TARGET_S:.2f} heading_s={results['heading_s']:.2f} "
        f"frame_s={results['frame_s']:.2f}"
    )


def _time_map(page, started: float, heading: str, at_least: int) -> dict[str, float]:
    """Seconds from ``started`` until the map's heading shows, its frame is attached, and it has drawn."""
    page.get_by_text(heading, exact=True).first.wait_for(timeout=600_000)
    heading_s = time.perf_counter() - started
    page.wait_for_selector("iframe[title*='st_folium']", timeout=600_000)
    frame_s = time.perf_counter() - started
    features = _map_drawn(page, at_least)
    return {"heading_s": heading_s, "frame_s": frame_s, "drawn_s": time.perf_counter() - started, "features": features}


def _report_portfolio(holdings: int, timing: dict[str, float]) -> None:
    print(
        f"Portfolio map, {holdings:,} holdings: {timing['drawn_s']:.2f} s until drawn; map heading shown at "
        f"{timing['heading_s']:.2f} s, map frame attached at {timing['frame_s']:.2f} s"
    )
    print(
        f"RESULT case=browser_portfolio holdings={holdings} seconds={timing['drawn_s']:.2f} target_s={TARGET_S:g} "
        f"heading_s={timing['heading_s']:.2f} frame_s={timing['frame_s']:.2f}"
    )


if __name__ == "__main__":
    main()
