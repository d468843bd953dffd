"""Carte page journeys: the coverage map offline, a région then a département and its
offers and gaps, the link with the Réseau page both ways, indicators that recolour, and
links that reproduce the view.

Expected names come from the core (``compute_coverage``), never hard-coded. The plotly
figure is read from the graph's DOM node (``.js-plotly-plot``: ``data``, ``layout``).
"""

from __future__ import annotations

import pytest

from fresque.coverage import compute_coverage
from fresque.ecosystem import load_ecosystem
from fresque.model import Stage

pytestmark = pytest.mark.browser

GD = "document.querySelector('#map-graph .js-plotly-plot')"
SHOTS = "/tmp/fresque_carte_{name}_{width}.png"

FILLS = """() => Object.fromEntries([...document.querySelectorAll('path.choroplethlocation')]
  .map(p => [p.__data__.loc, getComputedStyle(p).fill]))"""


@pytest.fixture(scope="module")
def eco():
    return load_ecosystem()


@pytest.fixture(scope="module")
def finistere(eco):
    """Coverage rows of the Finistère for every stage (what the panel must show)."""
    table = compute_coverage(eco).table(
        "departement", keys=[("stage", s.value) for s in Stage], region="53"
    )
    return table[table["code"] == "29"]


def wait_for_map(page, count: int | None = None) -> None:
    page.wait_for_function(
        "(n) => { const p = document.querySelectorAll('path.choroplethlocation');"
        " return n === null ? p.length > 0 : p.length === n; }",
        arg=count,
        timeout=30_000,
    )
    page.wait_for_timeout(300)


def choose(page, dropdown_id: str, text: str) -> None:
    page.click(f"#{dropdown_id}")
    page.focus(".dash-dropdown-content .dash-dropdown-search")
    page.keyboard.type(text)
    page.locator(".dash-dropdown-content [role=option]", has_text=text).first.click()


def click_territory(page, code: str) -> None:
    box = page.evaluate(
        """(code) => {
          const p = [...document.querySelectorAll('path.choroplethlocation')]
            .find(p => p.__data__.loc === code);
          const b = p.getBoundingClientRect();
          return {x: b.left + b.width / 2, y: b.top + b.height / 2};
        }""",
        code,
    )
    page.mouse.click(box["x"], box["y"])


def detail_title(page, text: str) -> None:
    page.wait_for_function(
        "(text) => { const h = document.getElementById('map-detail-title');"
        " return h && h.innerText === text; }",
        arg=text,
        timeout=20_000,
    )


def trace_points(page, name: str) -> int:
    return page.evaluate(
        f"(name) => {{ const t = {GD}.data.find(t => t.name === name);"
        " return t.lon.filter(v => v !== null).length; }",
        name,
    )


def test_region_then_departement_shows_offers_and_gaps(page, page_log, app_url, eco, finistere):
    page.goto(f"{app_url}/carte")
    wait_for_map(page, 101)
    choose(page, "map-region", "Bretagne")
    page.wait_for_url("**/carte?region=53", timeout=10_000)
    page.wait_for_function(f"{GD}.data.find(t => t.name === 'region').lon.length > 10")
    click_territory(page, "29")
    detail_title(page, "Finistère (29)")
    assert page.url.endswith("/carte?region=53&dep=29")
    detail = page.locator("#map-detail").inner_text()
    names = eco.structures["name"]
    for _, row in finistere.iterrows():
        for sid in filter(None, str(row["offers"]).split("|")):
            assert names[sid] in detail
    missing = finistere.loc[finistere["status"] == "gap", "key"].tolist()
    assert missing, "the Finistère lacks some stages in the curated dataset"
    from fresque.i18n import label

    for value in missing:
        assert label(Stage(value), "fr") in detail
    assert "Manque" in detail
    assert trace_points(page, "selected") > 10  # the Finistère is outlined
    assert page.locator("#map-territory").inner_text().startswith("29")
    page.screenshot(path=SHOTS.format(name="finistere", width=1280), full_page=True)
    # The territory filters the network: the link opens Réseau on the Finistère.
    page.get_by_role("link", name="Voir le réseau de ce territoire").click()
    page.wait_for_url("**/reseau?region=53&dep=29", timeout=10_000)
    page.wait_for_function(
        "() => document.getElementById('net-departement')"
        " && document.getElementById('net-departement').innerText.includes('Finistère')",
        timeout=20_000,
    )
    assert page_log.foreign_hosts() == set(), page_log.requests
    assert page_log.errors == []


def test_structure_selected_on_reseau_outlines_its_territory(page, page_log, app_url, eco):
    page.goto(f"{app_url}/reseau?sel=tag29")
    page.wait_for_selector("#net-detail-title", timeout=30_000)
    page.locator("#nav-carte").click()
    page.wait_for_url("**/carte?sel=tag29", timeout=10_000)
    wait_for_map(page, 101)
    assert trace_points(page, "served") > 10
    served = eco.get("tag29")
    assert str(served.territory_level) == "departement" and list(served.territory_codes) == ["29"]
    # The outline runs along the Finistère (its points fall in the Finistère's box).
    inside = page.evaluate(
        f"""() => {{
          const gd = {GD};
          const t = gd.data.find(t => t.name === 'served');
          const lon = t.lon.filter(v => v !== null), lat = t.lat.filter(v => v !== null);
          return [Math.min(...lon), Math.max(...lon), Math.min(...lat), Math.max(...lat)];
        }}"""
    )
    assert -5.2 < inside[0] < inside[1] < -3.3 and 47.6 < inside[2] < inside[3] < 48.8
    assert "TAg29" in page.locator("#map-detail").inner_text()
    # Closing the structure removes the outline and the selection from the URL.
    page.locator("#map-detail .detail-close").click()
    page.wait_for_url("**/carte", timeout=10_000)
    page.wait_for_function(f"{GD}.data.find(t => t.name === 'served').lon.length === 0")
    assert page_log.foreign_hosts() == set()
    assert page_log.errors == []


def test_switching_indicator_recolours_and_a_copied_link_reproduces_the_view(
    page, browser, page_log, app_url
):
    page.goto(f"{app_url}/carte?key=incubateur")
    wait_for_map(page, 101)
    before = page.evaluate(FILLS)
    assert 2 <= len(set(before.values())) <= 9  # statuses: a few discrete colours
    page.get_by_label("Offres pour 100 000 habitants").check()
    page.wait_for_url("**/carte?show=per100k&key=incubateur", timeout=10_000)
    page.wait_for_function(
        """(before) => { const now = [...document.querySelectorAll('path.choroplethlocation')];
          return now.some(p => getComputedStyle(p).fill !== before[p.__data__.loc]); }""",
        arg=before,
        timeout=10_000,
    )
    after = page.evaluate(FILLS)
    assert after != before
    assert page.locator(".colorbar").count() == 1  # a scale for a continuous indicator
    page.get_by_label("Population à plus de 30 km d’une offre").check()
    page.wait_for_url("**/carte?show=beyond30&key=incubateur", timeout=10_000)
    page.wait_for_function(
        """(after) => [...document.querySelectorAll('path.choroplethlocation')]
          .some(p => getComputedStyle(p).fill !== after[p.__data__.loc])""",
        arg=after,
        timeout=10_000,
    )
    click_territory(page, "12")
    detail_title(page, "Aveyron (12)")
    url = page.url
    shown = page.evaluate(FILLS)
    text = page.locator("#map-detail").inner_text()
    # The same link in a new browser context: the same view.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    other = context.new_page()
    other.on("request", lambda request: page_log.requests.append(request.url))
    try:
        other.goto(url)
        wait_for_map(other, 101)
        detail_title(other, "Aveyron (12)")
        assert other.evaluate(FILLS) == shown
        assert other.locator("#map-detail").inner_text() == text
        assert other.get_by_label("Population à plus de 30 km d’une offre").is_checked()
        # Back in the first page, the back button returns to the previous indicator.
        page.go_back()
        page.wait_for_function("() => !document.getElementById('map-detail-title')")
        page.go_back()
        page.wait_for_url("**/carte?show=per100k&key=incubateur", timeout=10_000)
        page.wait_for_function(
            "() => document.querySelector('#map-indicator input[value=per100k]').checked"
        )
    finally:
        context.close()
    assert page_log.foreign_hosts() == set()
    assert page_log.errors == []


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (390, 844)])
def test_screenshots(browser, app_url, width, height):
    """The map, detail and legend fit the screen (nothing wider than the viewport)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/carte?region=53&dep=29&sel=tag29")
        wait_for_map(page, 101)
        page.screenshot(path=SHOTS.format(name="bretagne", width=width), full_page=width < 800)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width
        frame = page.locator(".map-frame").bounding_box()
        assert frame["width"] > 0.8 * width if width < 800 else frame["width"] > 0.4 * width
    finally:
        context.close()


def test_clicking_a_structure_point_outlines_what_it_serves(page, page_log, app_url, eco):
    page.goto(f"{app_url}/carte?key=incubateur")
    wait_for_map(page, 101)
    box = page.evaluate(
        f"""() => {{
          const ids = {GD}.data.find(t => t.name === 'points').customdata;
          const p = [...document.querySelectorAll('path.point')]
            .find(p => p.closest('.trace') && ids[p.__data__.i] === 'tag29');
          const b = p.getBoundingClientRect();
          return {{x: b.left + b.width / 2, y: b.top + b.height / 2}};
        }}"""
    )
    page.mouse.click(box["x"], box["y"])
    page.wait_for_url("**/carte?sel=tag29&key=incubateur", timeout=10_000)
    page.wait_for_function(f"{GD}.data.find(t => t.name === 'served').lon.length > 10")
    assert eco.get("tag29").name in page.locator("#map-detail").inner_text()
    # The Réseau page opens on that structure.
    page.get_by_role("link", name="La voir dans le réseau").click()
    page.wait_for_url("**/reseau?sel=tag29&key=incubateur", timeout=10_000)
    page.wait_for_function(
        "(name) => { const h = document.getElementById('net-detail-title');"
        " return h && h.innerText === name; }",
        arg=eco.get("tag29").name,
        timeout=30_000,
    )
    assert page_log.foreign_hosts() == set()
    assert page_log.errors == []


def test_english_view_from_a_link(page, page_log, app_url):
    page.goto(f"{app_url}/carte?lang=en&dep=29&key=incubateur")
    wait_for_map(page, 101)
    detail_title(page, "Finistère (29)")
    text = page.locator("#map-detail").inner_text()
    assert "Offers by stage" in text and "Missing: " in text
    legend = page.locator("#map-legend").inner_text()
    assert "Gap" in legend and "partial" in legend
    assert page.get_by_label("Offers per 100,000 inhabitants").count() == 1
    assert page.locator("html").get_attribute("lang") == "en"
    assert page_log.foreign_hosts() == set()
    assert page_log.errors == []
