"""Carte page journeys: the coverage map offline, a région then a département and its
offers and gaps, the link with the Réseau page both ways, indicators that recolour, and
links that reproduce the view.

Expected names come from the core (``compute_coverage``), never hard-coded. The export
buttons are pressed as a user would, and the downloaded files read back. The plotly
figure is read from the graph's DOM node (``.js-plotly-plot``: ``data``, ``layout``).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from browser.carte_pages import (
    FILLS,
    GD,
    SHOTS,
    click_territory,
    detail_title,
    trace_points,
    wait_for_map,
)
from browser.dropdowns import choose
from browser.settle import wait_for_plot
from fresque.coverage import compute_coverage
from fresque.ecosystem import load_ecosystem
from fresque.i18n import label
from fresque.model import CoverageStatus, Stage

pytestmark = pytest.mark.browser


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
    # Nobody surveyed the Finistère: its stages without offer are "none known", not gaps.
    missing = finistere.loc[finistere["status"] == "none_known", "key"].tolist()
    assert missing, "the Finistère lacks some stages in the curated dataset"
    assert "gap" not in set(finistere["status"])
    from fresque.i18n import label

    for value in missing:
        assert label(Stage(value), "fr") in detail
    assert label(CoverageStatus.NONE_KNOWN, "fr") + "\u00a0:" in detail  # the missing stages
    assert label(CoverageStatus.GAP, "fr") not in detail
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
    page.get_by_label("Population à coup sûr à plus de 30 km d’une offre").check()
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
        assert other.get_by_label("Population à coup sûr à plus de 30 km d’une offre").is_checked()
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
    assert "Offers by stage" in text
    assert label(CoverageStatus.NONE_KNOWN, "en") + ": " in text  # stages without an offer
    legend = page.locator("#map-legend").inner_text()
    assert "Confirmed gap" in legend and "No offer recorded" in legend and "partial" in legend
    assert page.get_by_label("Offers per 100,000 inhabitants").count() == 1
    assert page.locator("html").get_attribute("lang") == "en"
    assert page_log.foreign_hosts() == set()
    assert page_log.errors == []


# --- EPCI selection, région framing, the Réseau's filters on the map -----------------

PLOT_BOX = """() => { const b = document.getElementById('map-graph').getBoundingClientRect();
  return [b.left, b.top, b.right, b.bottom]; }"""

PATH_BOXES = """(codes) => codes.map(code => {
  const p = [...document.querySelectorAll('path.choroplethlocation')]
    .find(p => p.__data__.loc === code);
  const b = p.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; })"""


def gap_fills(page, color: str) -> set[str]:
    """Codes of the territories painted in ``color`` (``#rrggbb``)."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    fills = page.evaluate(FILLS)
    return {code for code, fill in fills.items() if fill == f"rgb({r}, {g}, {b})"}


def test_clicking_an_epci_selects_it_and_its_link_reproduces_the_view(
    page, browser, page_log, app_url, eco
):
    from fresque.views.maps import map_geojson

    count = sum(1 for f in map_geojson("epci")["features"] if f.get("geometry"))
    page.goto(f"{app_url}/carte?region=28&level=epci")
    wait_for_map(page, count)
    # Click the middle of the Cotentin; the app says which EPCI that hit (the URL).
    click_territory(page, "200067205")
    page.wait_for_function("() => location.search.includes('epci=')", timeout=10_000)
    code = next(v for k, v in parse_qsl(urlsplit(page.url).query) if k == "epci")
    assert ("epci", code) in eco.territories
    name = eco.territories[("epci", code)].name
    detail_title(page, f"{name} ({code})")
    assert "level=epci" in page.url and "region=28" in page.url
    assert trace_points(page, "selected") > 3  # the EPCI is outlined
    assert name in page.locator("#map-territory").inner_text()
    # Its offers per stage and what is missing, as the core computes them.
    rows = compute_coverage(eco).table("epci", keys=[("stage", s.value) for s in Stage])
    rows = rows[rows["code"].astype(str) == code]
    detail = page.locator("#map-detail").inner_text()
    names = eco.structures["name"]
    for offers in rows["offers"]:
        for sid in filter(None, str(offers).split("|")):
            assert names[sid] in detail
    from fresque.i18n import label

    for value in rows.loc[rows["status"].isin(["gap", "none_known"]), "key"]:
        assert label(Stage(value), "fr") in detail
    href = page.get_by_role("link", name="Voir le réseau de ce territoire").get_attribute("href")
    assert f"epci={code}" in href
    url, fills = page.url, page.evaluate(FILLS)
    other_context = browser.new_context(viewport={"width": 1280, "height": 900})
    other = other_context.new_page()
    other.on("request", lambda request: page_log.requests.append(request.url))
    try:
        other.goto(url)
        wait_for_map(other, count)
        detail_title(other, f"{name} ({code})")
        assert other.locator("#map-detail").inner_text() == detail
        assert other.evaluate(FILLS) == fills
        assert trace_points(other, "selected") == trace_points(page, "selected")
        assert name in other.locator("#map-territory").inner_text()
    finally:
        other_context.close()
    # On Réseau, the network is what serves the EPCI.
    page.get_by_role("link", name="Voir le réseau de ce territoire").click()
    page.wait_for_url(f"**/reseau?*epci={code}*", timeout=10_000)
    page.wait_for_selector("#net-count", timeout=30_000)
    assert page_log.foreign_hosts() == set(), page_log.requests
    assert page_log.errors == []


def test_choosing_a_region_frames_the_map_on_it_drom_included(page, page_log, app_url):
    from fresque.views.coverage_map import view_of
    from fresque.views.maps import map_geojson

    regions = map_geojson("regions")
    page.goto(f"{app_url}/carte")
    wait_for_map(page, 101)
    for name, code, departements in (
        ("Bretagne", "53", ["22", "29", "35", "56"]),
        ("Guadeloupe", "01", ["971"]),
        ("La Réunion", "04", ["974"]),
    ):
        choose(page, "map-region", name)
        page.wait_for_url(f"**/carte?region={code}", timeout=10_000)
        expected = view_of(regions, [code])
        page.wait_for_function(
            f"(k) => {GD}._fullLayout.geo.projection.scale.toFixed(3) === k.toFixed(3)",
            arg=expected["projection"]["scale"],
            timeout=10_000,
        )
        # only the centre: the whole _fullLayout.geo (d3 objects) takes seconds to serialise
        center = page.evaluate(f"() => ({{...{GD}._fullLayout.geo.center}})")
        assert center["lon"] == pytest.approx(expected["center"]["lon"], abs=1e-3)
        assert center["lat"] == pytest.approx(expected["center"]["lat"], abs=1e-3)
        assert expected["projection"]["scale"] > 2
        # On screen: the région's départements lie in the plot and fill a good part of it.
        wait_for_plot(page, "#map-graph")
        left, top, right, bottom = page.evaluate(PLOT_BOX)
        boxes = page.evaluate(PATH_BOXES, departements)
        x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
        x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
        assert left - 2 <= x0 and x1 <= right + 2 and top - 2 <= y0 and y1 <= bottom + 2, name
        assert max((x1 - x0) / (right - left), (y1 - y0) / (bottom - top)) > 0.55, name
    # A département chosen in the région stays in view, outlined.
    choose(page, "map-region", "Bretagne")
    page.wait_for_url("**/carte?region=53", timeout=10_000)
    click_territory(page, "29")
    detail_title(page, "Finistère (29)")
    left, top, right, bottom = page.evaluate(PLOT_BOX)
    (box,) = page.evaluate(PATH_BOXES, ["29"])
    assert left - 2 <= box[0] and box[2] <= right + 2 and top - 2 <= box[1] and box[3] <= bottom + 2
    page.screenshot(path=SHOTS.format(name="bretagne_frame", width=1280))
    assert page_log.foreign_hosts() == set(), page_log.requests
    assert page_log.errors == []


def test_a_kind_filter_set_on_reseau_applies_to_the_map(page, page_log, app_url, eco):
    from fresque.views.coverage_map import STATUS_COLORS

    # Nobody surveyed these départements: no offer reads "none known" (light neutral).
    gap = STATUS_COLORS["none_known"]
    keys = [("stage", "creation")]
    table = compute_coverage(eco).table("departement", keys=keys)
    filtered = compute_coverage(eco.filter(kinds="network")).table("departement", keys=keys)
    gaps_all = set(table.loc[table["status"] == "none_known", "code"].astype(str))
    gaps_networks = set(filtered.loc[filtered["status"] == "none_known", "code"].astype(str))
    assert gaps_networks != gaps_all, "networks alone should cover differently"

    page.goto(f"{app_url}/reseau")
    page.wait_for_selector("#net-kinds", timeout=30_000)
    page.locator("#net-kinds").get_by_text("Réseau", exact=True).click()
    page.wait_for_function("() => location.search.includes('kind=network')", timeout=20_000)
    page.locator("#nav-carte").click()
    page.wait_for_url("**/carte?kind=network", timeout=10_000)
    wait_for_map(page, 101)
    chip = page.locator("#map-filters .filter-chip")
    assert chip.count() == 1 and chip.inner_text().startswith("Type d’acteur")
    assert "Réseau" in chip.inner_text()
    assert "filtres du Réseau" in page.locator("#map-filters").inner_text()
    assert gap_fills(page, gap) == gaps_networks
    # Removing the chip: the whole ecosystem again.
    chip.click()
    page.wait_for_url("**/carte", timeout=10_000)
    page.wait_for_function("() => !document.querySelector('#map-filters .filter-chip')")
    page.wait_for_function(
        """([codes, color]) => [...document.querySelectorAll('path.choroplethlocation')]
          .filter(p => getComputedStyle(p).fill === color).length === codes""",
        arg=[
            len(gaps_all),
            "rgb({}, {}, {})".format(*(int(gap[i : i + 2], 16) for i in (1, 3, 5))),
        ],
        timeout=10_000,
    )
    assert gap_fills(page, gap) == gaps_all
    assert page_log.foreign_hosts() == set(), page_log.requests
    assert page_log.errors == []


# --- export, picks listed twice, partial territories ---------------------------------


def legend_statuses(page) -> list[str]:
    """The status words of the legend, as shown."""
    return page.evaluate(
        "() => [...document.querySelectorAll('#map-legend .status-legend li')]"
        ".map(li => li.innerText.trim())"
    )


def download(page, button: str):
    with page.expect_download(timeout=30_000) as info:
        page.locator(f"#{button}").click()
    return info.value


def test_exporting_the_territories_shown_as_csv_and_xlsx(page, page_log, app_url, eco):
    import csv
    import io

    import openpyxl

    page.goto(f"{app_url}/carte?region=53&key=creation")
    wait_for_map(page, 101)
    page.wait_for_selector("#map-legend .status-legend li")
    words = legend_statuses(page)
    from fresque.coverage import gap_report

    # The export is ranked as the gap report ranks the territories.
    table = gap_report(compute_coverage(eco), "departement", stage="creation", region="53")
    names = eco.structures["name"]

    def check(rows: list[dict]) -> None:
        assert [r["Code territoire"] for r in rows] == list(table["code"].astype(str))
        assert {r["Territoire"] for r in rows} == set(table["name"])
        assert {r["Région"] for r in rows} == {"Bretagne"}
        assert all(r["Département"] == r["Territoire"] for r in rows)
        for row, (_, expected) in zip(rows, table.iterrows(), strict=True):
            assert row["Statut"] in words  # the legend's words
            assert row["Code statut"] == expected["status"]
            offered = sorted(names[i] for i in str(expected["offers"]).split("|") if i)
            assert sorted(row["Offres locales (noms)"].split(" ; ")) == offered

    csv_file = download(page, "map-export-csv")
    assert csv_file.suggested_filename == "fresque-couverture-creation-departements-reg53.csv"
    text = csv_file.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[:4] == ["Région", "Département", "Territoire", "Échelon"]
    check(rows)

    xlsx_file = download(page, "map-export-xlsx")
    assert xlsx_file.suggested_filename.endswith("-reg53.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_file.path().read_bytes())).active
    values = list(sheet.iter_rows(values_only=True))
    headers = list(values[0])
    check(
        [
            dict(zip(headers, ["" if v is None else v for v in row], strict=True))
            for row in values[1:]
        ]
    )
    assert page_log.foreign_hosts() == set(), page_log.requests
    assert page_log.errors == []


def test_a_structure_listed_under_several_stages_opens_from_each(page, page_log, app_url, eco):
    """TAg29 serves several stages of the Finistère: its second button works too (it used
    to share its id with the first, and Dash answered the click with nothing)."""
    name = eco.get("tag29").name
    page.goto(f"{app_url}/carte?region=53&dep=29")
    wait_for_map(page, 101)
    detail_title(page, "Finistère (29)")
    buttons = page.locator("#map-detail .stage-entry button", has_text=name)
    assert buttons.count() >= 2
    buttons.nth(1).click()
    page.wait_for_url("**/carte?*sel=tag29*", timeout=10_000)
    page.wait_for_selector("#map-detail .chosen-structure", timeout=10_000)
    assert name in page.locator("#map-detail .chosen-structure").inner_text()
    page.wait_for_function(f"{GD}.data.find(t => t.name === 'served').lon.length > 10")
    assert page_log.errors == []


def test_a_partly_covered_epci_shows_its_share_and_is_framed(page, page_log, app_url):
    """The issue's EPCI: covered in 1.9 % of its population, by one organisation (ADRESS
    Normandie and the Katapult it carries). The panel says so next to the status; Pays de
    la Loire is framed whole, the overseas insets off the map."""
    from fresque.views.coverage_map import category_color

    page.goto(f"{app_url}/carte?level=epci&region=52&epci=200072676&key=incubateur")
    page.wait_for_function(
        "() => document.querySelectorAll('path.choroplethlocation').length > 1000",
        timeout=60_000,
    )
    detail_title(page, "CC Maine Saosnois (200072676)")
    head = page.locator("#map-detail .stage-entry").first.inner_text()
    assert "Un seul acteur (partiel)" in head and "1,9\u00a0% des habitants couverts" in head
    fill = page.evaluate(FILLS)["200072676"]
    color = category_color("single", "few")
    assert fill == "rgb({}, {}, {})".format(*(int(color[i : i + 2], 16) for i in (1, 3, 5)))
    for width, height in ((1920, 1080), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        wait_for_plot(page, "#map-graph")  # redrawn at the new size (a debounced resize)
        page.screenshot(path=SHOTS.format(name="maine", width=width), full_page=width < 800)
    assert page_log.errors == []


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (390, 844)])
@pytest.mark.parametrize(
    ("name", "search"),
    [("france", ""), ("bretagne_alone", "?region=53"), ("guyane", "?region=03")],
)
def test_carte_screenshots(browser, app_url, name, search, width, height):
    """France, a région alone, a région in its inset: the région lies whole in the plot."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(f"{app_url}/carte{search}")
        wait_for_map(page, 101)
        page.screenshot(path=SHOTS.format(name=name, width=width), full_page=width < 800)
        left, top, right, bottom = page.evaluate(PLOT_BOX)
        codes = {"france": ["29", "67", "2A"], "bretagne_alone": ["29", "35"], "guyane": ["973"]}
        for box in page.evaluate(PATH_BOXES, codes[name]):
            assert left - 2 <= box[0] and box[2] <= right + 2, (name, box)
            assert top - 2 <= box[1] and box[3] <= bottom + 2, (name, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
