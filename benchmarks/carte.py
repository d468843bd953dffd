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
   forth); both are reported.
"""

from __future__ import annotations

import logging
import statistics
import sys
import threading

import numpy as np
import plotly.io as pio
from werkzeug.serving import make_server

from fresque.app import create_app
from fresque.app.pages import carte
from fresque.app.state import parse_url

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic"]
DEPARTEMENTS = ["29", "35", "56", "22"]
INDICATORS = ["per100k", "beyond30", "status"]
KEYS = {
    "incubateur": "Incubateur",
    "emergence": "Émergence",
    "dla_departemental": "DLA départemental",
    "creation": "Création",
}


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from playwright.sync_api import sync_playwright

    app = create_app()
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    with app.server.test_request_context("/"):
        figure = carte.figure_for(parse_url("/carte", ""))
    figure_bytes = len(pio.to_json(figure).encode())

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        wire: list[int] = []
        cdp.on("Network.loadingFinished", lambda event: wire.append(event["encodedDataLength"]))
        decoded: list[int] = []
        page.on("response", lambda r: decoded.append(len(r.body())) if r.ok else None)
        page.goto(f"{base}/carte")
        page.wait_for_selector("path.choroplethlocation", state="attached", timeout=60_000)
        page.wait_for_load_state("networkidle")
        print("first page /carte (département level), every request:")
        print(f"  on the wire (gzip): {sum(wire) / 1e6:.2f} MB in {len(wire)} responses")
        print(f"  decoded:            {sum(decoded) / 1e6:.2f} MB")
        print(f"  map figure (JSON):  {figure_bytes / 1e3:.0f} KB")

        timings: dict[str, list[float]] = {"cold": [], "warm": []}
        sizes: list[int] = []
        current = {"phase": "cold"}

        def record(response) -> None:
            if "_dash-update-component" not in response.url:
                return
            timing = response.request.timing
            timings[current["phase"]].append(timing["responseStart"] - timing["requestStart"])
            sizes.append(len(response.body()))

        page.on("response", record)

        def settle() -> None:
            page.wait_for_load_state("networkidle")

        def choose(dropdown: str, text: str) -> None:
            page.click(f"#{dropdown}")
            page.focus(".dash-dropdown-content .dash-dropdown-search")
            page.keyboard.type(text)
            page.locator(".dash-dropdown-content [role=option]", has_text=text).first.click()

        def journey() -> None:
            page.goto(f"{base}/carte")
            page.wait_for_selector("path.choroplethlocation", state="attached")
            settle()
            choose("map-region", "Bretagne")
            settle()
            for dep in DEPARTEMENTS:
                choose("map-territory", dep)
                settle()
            for indicator in INDICATORS:
                page.check(f"#map-indicator input[value={indicator}]")
                settle()
            for key in KEYS:
                choose("map-key", KEYS[key])
                settle()
            for _ in range(4):
                page.go_back()
                settle()

        journey()
        current["phase"] = "warm"
        journey()
        browser.close()
    server.shutdown()

    print("Carte callbacks, server time (browser timing, ms):")
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
