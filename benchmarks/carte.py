"""Measure the Carte page in Chromium: first page payload and the server time of its
filter and selection callbacks on the national dataset.

Run ``python benchmarks/carte.py`` from the repository root (needs Chromium at
``/usr/bin/chromium``). Figures only, no assertions (targets of issue 5: first page at
département level ≤ 2 MB, map figure ≤ 500 KB, callbacks p95 ≤ 100 ms).

1. **first page** — every byte Chromium receives to show ``/carte`` (département level),
   as sent on the wire (gzip, CDP ``encodedDataLength``) and decoded, and the map figure
   (JSON of ``figure_for``) inside it;
2. **callbacks** — a journey of region choices, territory clicks (through the territory
   list, one callback each), indicator and key changes and back-button steps; for each
   ``POST /_dash-update-component`` of the page, the server time (``responseStart -
   requestStart`` of the browser's timing) and the response size. The first pass fills
   the caches (cold), the second replays the same journey (warm, as when going back and
   forth); both are reported. When the page has them (issue 5), the journey also picks
   EPCI at EPCI level, opens the map with a Réseau kind filter, works with it and
   removes its chip;
3. **in process** — the work of one callback (``patch_for`` + ``render_detail``) for
   filtered and EPCI states, served from the page's caches, against a naive baseline
   that filters the ecosystem and computes its coverage, table and colours on every
   call (what the page would do without caches keyed by the filter set).

``--quick`` skips the browser (section 3 only).
"""

from __future__ import annotations

import contextlib
import logging
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np
import plotly.io as pio
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.chromium import CHROMIUM_ARGS, chromium_path  # noqa: E402
from fresque.app import create_app  # noqa: E402
from fresque.app.pages import carte  # noqa: E402
from fresque.app.state import parse_url  # noqa: E402

DEPARTEMENTS = ["29", "35", "56", "22"]
INDICATORS = ["per100k", "beyond30", "status"]
EPCIS = ["Brest Métropole", "Rennes Métropole", "Lorient Agglomération"]
KEYS = {
    "incubateur": "Incubateur",
    "emergence": "Émergence",
    "dla_departemental": "DLA départemental",
    "creation": "Création",
}


STATES = [
    "?kind=network&region=53&dep=29",
    "?kind=network&region=53&dep=29&show=per100k",
    "?kind=support_structure&stage=creation&dep=13&key=emergence",
    "?confidence=high&region=28&epci=200067205&level=epci",
    "?region=53&epci=242900314&level=epci&key=incubateur",
]


def in_process(app) -> None:
    """One callback's work on filtered / EPCI states: cached page against a naive baseline."""
    from dash._utils import to_json

    from fresque.app import context
    from fresque.app.state import filter_arguments, sanitize
    from fresque.coverage import compute_coverage
    from fresque.views.coverage_map import coverage_key, feature_names, indicator_style
    from fresque.views.maps import map_geojson

    def page_work(search: str) -> None:
        state = carte._sanitize(parse_url("/carte", search))
        to_json([carte.patch_for(state).to_plotly_json(), carte.render_detail(state)])

    def naive_work(search: str) -> None:
        eco = context.current().ecosystem
        state = sanitize(parse_url("/carte", search), eco)
        shown = eco.filter(**filter_arguments(state, territory=False))
        level = {"departements": "departement", "epci": "epci"}.get(state.level, "region")
        table = compute_coverage(shown).table(level, keys=[coverage_key(state.coverage_key)])
        geojson = map_geojson(state.level)
        codes = [str(f["id"]) for f in geojson["features"] if f.get("geometry")]
        style = indicator_style(
            codes, feature_names(geojson), table, "status", state.coverage_key, state.lang
        )
        to_json(style)

    with app.server.test_request_context("/"):
        for search in ("", "?level=epci"):  # the unfiltered maps, as the page's warm-up does
            page_work(search)
        cold = []
        for search in STATES:
            start = time.perf_counter()
            page_work(search)
            cold.append(1000 * (time.perf_counter() - start))
        runs: dict[str, list[float]] = {"page (cached)": [], "naive (no cache)": []}
        for _ in range(3):
            for search in STATES:
                for name, work in (("page (cached)", page_work), ("naive (no cache)", naive_work)):
                    start = time.perf_counter()
                    work(search)
                    runs[name].append(1000 * (time.perf_counter() - start))
    print("one Carte callback's work in process (filtered and EPCI states, ms):")
    print(
        "  first call per state (builds its filtered coverage): "
        + ", ".join(f"{v:.0f}" for v in cold)
    )
    for name, values in runs.items():
        print(
            f"  {name:17s} n={len(values):2d}  median {statistics.median(values):6.1f}"
            f"  p95 {np.percentile(values, 95):6.1f}"
        )
    ratio = statistics.median(runs["naive (no cache)"]) / statistics.median(runs["page (cached)"])
    print(f"  naive / cached (medians): {ratio:.1f}x")


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app()
    if hasattr(carte, "render_filters"):
        in_process(app)
    if "--quick" in sys.argv:
        return 0
    from playwright.sync_api import sync_playwright

    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    with app.server.test_request_context("/"):
        figure = carte.figure_for(parse_url("/carte", ""))
    figure_bytes = len(pio.to_json(figure).encode())

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_path()), args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        wire: list[int] = []
        cdp.on("Network.loadingFinished", lambda event: wire.append(event["encodedDataLength"]))
        decoded: list[int] = []

        def body_size(response) -> None:
            # A response the page navigated away from has no body any more.
            with contextlib.suppress(Exception):
                decoded.append(len(response.body()) if response.ok else 0)

        page.on("response", body_size)
        page.goto(f"{base}/carte")
        page.wait_for_selector("path.choroplethlocation", state="attached", timeout=60_000)
        page.wait_for_load_state("networkidle")
        print("first page /carte (département level), every request:")
        print(f"  on the wire (gzip): {sum(wire) / 1e6:.2f} MB in {len(wire)} responses")
        print(f"  decoded:            {sum(decoded) / 1e6:.2f} MB")
        print(f"  map figure (JSON):  {figure_bytes / 1e3:.0f} KB")

        timings: dict[str, list[float]] = {"cold": [], "warm": []}
        sizes: list[int] = []
        current = {"phase": "cold", "step": "page load"}
        by_step: dict[tuple[str, str], list[float]] = {}

        def record(response) -> None:
            if "_dash-update-component" not in response.url:
                return
            timing = response.request.timing
            elapsed = timing["responseStart"] - timing["requestStart"]
            by_step.setdefault((current["phase"], current["step"]), []).append(elapsed)
            if current["step"] != "page load":  # the routing callback renders a whole page
                timings[current["phase"]].append(elapsed)
            with contextlib.suppress(Exception):  # navigated away before the body was read
                sizes.append(len(response.body()))

        page.on("response", record)

        def settle(step: str = "page load") -> None:
            page.wait_for_load_state("networkidle")
            current["step"] = step  # the label of the next step's requests

        def choose(dropdown: str, text: str) -> None:
            page.click(f"#{dropdown}")
            page.focus(".dash-dropdown-content .dash-dropdown-search")
            page.keyboard.type(text)
            option = page.locator(".dash-dropdown-content [role=option]", has_text=text).first
            try:
                option.click(timeout=10_000)
            except Exception:
                page.keyboard.press("Escape")
                print(f"  (could not pick {text!r} in {dropdown}: step skipped)")

        def journey() -> None:
            current["step"] = "page load"
            page.goto(f"{base}/carte")
            page.wait_for_selector("path.choroplethlocation", state="attached")
            settle("région")
            choose("map-region", "Bretagne")
            settle("département")
            for dep in DEPARTEMENTS:
                choose("map-territory", dep)
                settle("département")
            settle("indicator")
            for indicator in INDICATORS:
                page.check(f"#map-indicator input[value={indicator}]")
                settle("indicator")
            settle("key")
            for key in KEYS:
                choose("map-key", KEYS[key])
                settle("key")
            settle("back button")
            for _ in range(4):
                page.go_back()
                settle("back button")
            if page.locator("#map-filters").count():  # issue 5: EPCI and Réseau filters
                settle("page load")
                page.goto(f"{base}/carte?region=53")
                page.wait_for_selector("path.choroplethlocation", state="attached")
                settle("level → EPCI (whole figure)")
                page.check("#map-level input[value=epci]")
                settle("EPCI pick")
                for name in EPCIS:
                    choose("map-territory", name)
                    settle("EPCI pick")
                settle("page load")
                page.goto(f"{base}/carte?kind=network&region=53")
                page.wait_for_selector("path.choroplethlocation", state="attached")
                settle("filtered: département")
                for dep in DEPARTEMENTS[:2]:
                    choose("map-territory", dep)
                    settle("filtered: département")
                settle("filtered: indicator")
                page.check("#map-indicator input[value=beyond30]")
                settle("filter chip removed")
                page.locator("#map-filters .filter-chip").first.click()
                settle("page load")

        journey()
        current["phase"] = "warm"
        journey()
        browser.close()
    server.shutdown()

    print("server time per step (browser timing, ms: median / max, n):")
    for (phase, step), values in by_step.items():
        print(
            f"  {phase:4s} {step:28s} {statistics.median(values):7.1f} / {max(values):7.1f}"
            f"  n={len(values)}"
        )
    print("Carte callbacks (every step but page loads), server time (browser timing, ms):")
    for phase, values in timings.items():
        if values:
            print(
                f"  {phase}: n={len(values):3d}  median {statistics.median(values):6.1f}"
                f"  p95 {np.percentile(values, 95):6.1f}  max {max(values):6.1f}"
            )
    print(
        f"  response sizes: median {statistics.median(sizes) / 1e3:.1f} KB, "
        f"max {max(sizes) / 1e3:.1f} KB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
