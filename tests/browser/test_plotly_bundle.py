"""The maps draw with plotly.js's geo bundle, the full bundle is never requested, and the
first page of the map stays under its weight target (issue 5: ≤ 2 MB as sent).

The version and file of the bundle come from the app (``PLOTLY_BUNDLE``) and from the
vendored file's header, the number of territories from the figure the page received.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from fresque.app import ASSETS_DIR, PLOTLY_BUNDLE

pytestmark = pytest.mark.browser

GD = "document.querySelector('#map-graph .js-plotly-plot')"

#: Issue 5: everything Chromium receives to show /carte at département level, as sent.
FIRST_PAGE_TARGET = 2 * 1024 * 1024


def bundle_version() -> str:
    header = (ASSETS_DIR / PLOTLY_BUNDLE).read_bytes()[:200].decode()
    return re.search(r"plotly\.js \(geo - minified\) v(\d+\.\d+\.\d+)", header).group(1)


def is_full_bundle(url: str) -> bool:
    path = urlsplit(url).path
    return path.endswith("/plotly.min.js") or "/_dash-component-suites/plotly/" in path


def test_carte_draws_the_choropleth_with_the_geo_bundle(page, page_log, app_url):
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(f"{app_url}/carte?level=departements")
    page.wait_for_function(
        f"() => {{ const gd = {GD}; return gd && gd.data"
        " && document.querySelectorAll('path.choroplethlocation').length > 0; }",
        timeout=60_000,
    )
    page.wait_for_load_state("networkidle")
    # One SVG path per territory of the figure's choropleth traces, drawn with real
    # outlines (a path with no "d" would be an empty shape).
    expected = page.evaluate(
        f"() => {GD}.data.filter(t => t.type === 'choropleth')"
        ".reduce((n, t) => n + t.locations.length, 0)"
    )
    paths = page.locator("#map-graph path.choroplethlocation")
    assert expected > 0 and paths.count() == expected
    assert page.evaluate(
        "() => [...document.querySelectorAll('#map-graph path.choroplethlocation')]"
        ".every(p => (p.getAttribute('d') || '').length > 10)"
    )
    # The Plotly that drew it is the vendored geo bundle, loaded from the app.
    assert page.evaluate("() => window.Plotly.version") == bundle_version()
    bundle = [url for url in page_log.requests if urlsplit(url).path.endswith(PLOTLY_BUNDLE)]
    assert len(bundle) == 1 and urlsplit(bundle[0]).hostname == "127.0.0.1"
    assert not [url for url in page_log.requests if is_full_bundle(url)]
    # The map's PNG, the modebar's download button, still works with the partial bundle.
    page.hover("#map-graph")
    with page.expect_download(timeout=30_000) as download:
        page.locator("#map-graph .modebar-btn[data-title*='png' i]").click()
    data = Path(download.value.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000  # not a blank image
    # Issue 5's target, measured as the benchmark does: bodies and headers as sent.
    sent = sum(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in finished)
    assert sent <= FIRST_PAGE_TARGET, f"first page of /carte: {sent:,} bytes sent"
    assert page_log.foreign_hosts() == set(), page_log.requests
    assert page_log.errors == []


def test_a_page_without_graph_loads_no_plotly(page, page_log, app_url):
    page.goto(f"{app_url}/reseau")
    page.wait_for_selector("#net-graph canvas", timeout=60_000)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => typeof window.Plotly") == "undefined"
    assert not [url for url in page_log.requests if "plotly" in urlsplit(url).path]
    assert page_log.foreign_hosts() == set(), page_log.requests
    assert page_log.errors == []
