"""Exports of the Réseau page's selection: CSV rows match the filter, the pyvis page opens
with the network switched off and shows a ``<script>`` name as text, the PNG downloads.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest

from browser.servers import serve
from fresque.ecosystem import Ecosystem, load_ecosystem
from fresque.model import Link, Structure

pytestmark = pytest.mark.browser

CY_READY = """() => {
  const c = document.getElementById('net-graph');
  return !!(c && c._cyreg && c._cyreg.cy && c._cyreg.cy.nodes('.structure').length > 0);
}"""
XSS_NAME = '<script>window.__xss = 1</script><img src=x onerror="window.__xss=2"> « L’Écho »'


@pytest.fixture(scope="module")
def evil_app_url() -> Iterator[str]:
    from fresque.app import create_app

    base = load_ecosystem()
    evil = Structure(
        id="evil_echo",
        name=XSS_NAME,
        kind="support_structure",
        dispositifs=["incubateur"],
        territory_level="departement",
        territory_codes=["29"],
        commune_code="29151",
        description='<b onmouseover="window.__xss=3">gras</b> =1+1',
    )
    eco = Ecosystem(
        [*base.records.structures, evil],
        [*base.records.links, Link(source="tag29", target="evil_echo", relation="partners_with")],
        territories=base.territories,
    )
    with serve(create_app(eco)) as url:
        yield url, eco


def test_csv_of_the_current_selection_matches_the_filter(page, app_url, tmp_path):
    eco = load_ecosystem()
    expected = eco.filter(territory=("departement", "29"), kinds=["support_structure"])
    page.goto(f"{app_url}/reseau?dep=29&kind=support_structure")
    page.wait_for_function(CY_READY, timeout=30_000)
    with page.expect_download(timeout=30_000) as info:
        page.click("#export-csv")
    download = info.value
    assert download.suggested_filename == "fresque-selection-dep29.csv"
    rows = list(csv.DictReader(io.StringIO(download.path().read_bytes().decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == sorted(expected.structures.index)
    assert {r["kind"] for r in rows} == {"support_structure"}
    # Another filter from the controls: the export follows it.
    page.locator("#net-kinds label", has_text="Réseau").click()
    page.wait_for_function("() => location.search.includes('network')", timeout=20_000)
    with page.expect_download(timeout=30_000) as info:
        page.click("#export-csv")
    rows = list(csv.DictReader(io.StringIO(info.value.path().read_bytes().decode("utf-8-sig"))))
    both = eco.filter(territory=("departement", "29"), kinds=["support_structure", "network"])
    assert [r["id"] for r in rows] == sorted(both.structures.index)


def test_png_of_the_network_downloads(page, app_url):
    page.goto(f"{app_url}/reseau?dep=29")
    page.wait_for_function(CY_READY, timeout=30_000)
    with page.expect_download(timeout=30_000) as info:
        page.click("#export-png")
    data = info.value.path().read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000


def test_pyvis_html_opens_offline_and_shows_names_as_text(browser, page, evil_app_url, tmp_path):
    url, eco = evil_app_url
    page.goto(f"{url}/reseau?dep=29")
    page.wait_for_function(CY_READY, timeout=30_000)
    with page.expect_download(timeout=60_000) as info:
        page.click("#export-html")
    path = tmp_path / "reseau.html"
    info.value.save_as(path)
    expected = eco.filter(territory=("departement", "29"))
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    blocked: list[str] = []

    def only_files(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_files)
    context.set_offline(True)
    offline = context.new_page()
    errors: list[str] = []
    offline.on("pageerror", lambda error: errors.append(str(error)))
    try:
        offline.goto(path.as_uri())
        offline.wait_for_function(
            "() => typeof network !== 'undefined' && network.body"
            " && Object.keys(network.body.nodes).length > 0",
            timeout=30_000,
        )
        drawn = offline.evaluate("() => network.body.data.nodes.getIds()")
        assert sorted(drawn) == sorted(expected.structures.index)
        # The canvas has pixels drawn on it.
        assert offline.evaluate(
            """() => { const c = document.querySelector('#mynetwork canvas');
                       return c && c.width > 0 && c.height > 0; }"""
        )
        node = offline.evaluate(
            "() => { const n = network.body.data.nodes.get('evil_echo');"
            " return {label: n.label, tip: n.title.innerText, tipHtml: n.title.innerHTML}; }"
        )
        assert node["label"] == XSS_NAME
        assert XSS_NAME.split(" «")[0] in node["tip"]  # shown as text
        assert "<script>" not in node["tipHtml"]
        assert offline.evaluate("() => window.__xss") is None
        assert not blocked, blocked
        assert not errors, errors
    finally:
        context.close()
