"""Carte page: the « Fiabilité des données » indicator at région, département and EPCI
level, and the « Confiance minimale » control.

Expected values come from the core (``data_quality``, ``compute_coverage`` on
``eco.filter(min_confidence=...)``), never hard-coded. The hover is read as plotly draws
it (``.hoverlayer``) after moving the mouse over a territory; every wait is for a
condition.
"""

from __future__ import annotations

import pytest

from browser.carte_pages import GD, SHOTS, detail_title
from fresque.coverage import compute_coverage
from fresque.ecosystem import load_ecosystem
from fresque.i18n import t
from fresque.quality import data_quality
from fresque.views.indicators import legend_entries, quality_lines
from fresque.views.maps import map_geojson

pytestmark = pytest.mark.browser

NBSP = "\u00a0"

#: Centre of a territory's drawn path (its bounding box's), in page pixels.
CENTRE = """(code) => {
  const p = [...document.querySelectorAll('path.choroplethlocation')]
    .find(p => p.__data__.loc === code);
  if (!p) return null;
  const b = p.getBoundingClientRect();
  return {x: b.left + b.width / 2, y: b.top + b.height / 2};
}"""

#: The lines of the hover label plotly shows (the territory's name first).
HOVER_LINES = """() => {
  const text = document.querySelector('.hoverlayer .hovertext text.nums');
  if (!text) return null;
  const lines = [...text.querySelectorAll('tspan.line')].map(t => t.textContent);
  return lines.length ? lines : [text.textContent];
}"""


@pytest.fixture(scope="module")
def eco():
    return load_ecosystem()


@pytest.fixture(scope="module")
def quality(eco):
    """The data quality of every level, by code, as the app computes it."""
    coverage = compute_coverage(eco)
    return {
        level: data_quality(eco, coverage, level).set_index("code")
        for level in ("region", "departement", "epci")
    }


def _plain(text: str) -> str:
    return text.replace(NBSP, " ")


def wait_for_paths(page, count: int) -> None:
    page.wait_for_function(
        "(n) => document.querySelectorAll('path.choroplethlocation').length === n",
        arg=count,
        timeout=60_000,
    )


def wait_for_quality_colours(page, code: str, score: float) -> None:
    """Until the map is coloured by the data quality: its colour bar, and the score of
    ``code`` on its territory."""
    page.wait_for_function(
        f"""([code, score, title]) => {{
          const gd = {GD};
          if (!gd || !gd.data) return false;
          const t = gd.data[0];
          const i = t.locations.indexOf(code);
          return t.showscale && t.colorbar.title.text === title && i >= 0
            && Math.abs(t.z[i] - score) < 1e-9
            && document.querySelector('.colorbar') !== null;
        }}""",
        arg=[code, score, t("carte.colorbar.quality", "fr")],
        timeout=30_000,
    )


def hover(page, code: str, name: str) -> list[str]:
    """Move the mouse over ``code`` and return the hover's lines once it names ``name``."""
    centre = page.evaluate(CENTRE, code)
    assert centre is not None, code
    page.mouse.move(5, 5)  # off the map: the next move is a new hover
    page.mouse.move(centre["x"], centre["y"], steps=4)
    page.wait_for_function(
        f"(name) => {{ const l = ({HOVER_LINES})(); return l !== null && l[0] === name; }}",
        arg=name,
        timeout=10_000,
    )
    return page.evaluate(HOVER_LINES)


def check_legend(page) -> None:
    entries = legend_entries("quality", "fr")
    page.wait_for_function(
        "(title) => { const h = document.querySelector('#map-legend h3');"
        " return h && h.innerText === title; }",
        arg=entries["title"],
        timeout=20_000,
    )
    legend = page.locator("#map-legend").inner_text()
    assert _plain(entries["scale"]) in _plain(legend)
    assert _plain(entries["note"]) in _plain(legend)  # it is not coverage, and why
    assert page.locator("#map-legend .status-legend").count() == 0  # no status rows
    ticks = page.evaluate(
        "() => [...document.querySelectorAll('.colorbar .cbaxis text')].map(t => t.textContent)"
    )
    assert [_plain(tick) for tick in ticks] == [f"{p} %" for p in (0, 20, 40, 60, 80, 100)]
    title = page.evaluate(
        "() => [...document.querySelectorAll('.colorbar .cbtitle tspan')]"
        ".map(t => t.textContent).join(' ')"
    )
    assert title == "Fiabilité des données"


def check_territory(page, table, code: str) -> None:
    """The hover of ``code`` and, once chosen, the panel's quality block: the core's."""
    row = table.loc[code]
    expected = [_plain(line) for line in quality_lines(row, "fr")]
    lines = hover(page, code, row["name"])
    assert [_plain(line) for line in lines[1:]] == expected
    centre = page.evaluate(CENTRE, code)
    page.mouse.click(centre["x"], centre["y"])
    detail_title(page, f"{row['name']} ({code})")
    block = page.locator("#map-quality")
    assert block.get_attribute("open") is not None  # open: it colours the map
    items = block.locator("li").all_inner_texts()
    assert [_plain(item) for item in items] == expected


def test_the_quality_indicator_at_region_departement_and_epci_level(
    page, page_log, app_url, quality
):
    regions = sum(1 for f in map_geojson("regions")["features"] if f.get("geometry"))
    epci = sum(1 for f in map_geojson("epci")["features"] if f.get("geometry"))
    page.goto(f"{app_url}/carte?level=regions")
    wait_for_paths(page, regions)
    assert page.locator("#map-heading").inner_text() == "Couverture des territoires"
    page.get_by_label("Fiabilité des données").check()
    page.wait_for_url("**/carte?level=regions&show=quality", timeout=10_000)
    # The title says what the map now measures: not coverage.
    page.wait_for_function(
        "() => document.getElementById('map-heading').innerText"
        " === 'Fiabilité des données par territoire'",
        timeout=10_000,
    )
    wait_for_quality_colours(page, "53", quality["region"].loc["53", "score"])
    check_legend(page)
    check_territory(page, quality["region"], "53")  # Bretagne
    page.wait_for_url("**/carte?region=53&level=regions&show=quality", timeout=10_000)

    page.get_by_label("Départements").check()
    page.wait_for_url("**/carte?region=53&show=quality", timeout=10_000)
    wait_for_paths(page, 101)
    wait_for_quality_colours(page, "29", quality["departement"].loc["29", "score"])
    check_legend(page)
    check_territory(page, quality["departement"], "29")  # Finistère
    page.wait_for_url("**/carte?region=53&dep=29&show=quality", timeout=10_000)

    page.get_by_label("EPCI").check()
    page.wait_for_url("**/carte?region=53&dep=29&level=epci&show=quality", timeout=10_000)
    wait_for_paths(page, epci)
    brest = "242900314"  # Brest Métropole
    wait_for_quality_colours(page, brest, quality["epci"].loc[brest, "score"])
    check_legend(page)
    check_territory(page, quality["epci"], brest)
    assert page_log.foreign_hosts() == set(), page_log.requests
    assert page_log.errors == []


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (390, 844)])
@pytest.mark.parametrize(
    ("name", "search", "code"),
    [
        ("quality_france", "?show=quality&dep=29", "29"),
        ("quality_bretagne_epci", "?region=53&epci=242900314&level=epci&show=quality", None),
    ],
)
def test_quality_screenshots(browser, app_url, quality, name, search, code, width, height):
    """France by département and Bretagne by EPCI, coloured by the data quality: the
    legend and the colour bar are on the screen, nothing wider than it."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(f"{app_url}/carte{search}")
        brest = "242900314"
        level = "departement" if code else "epci"
        code = code or brest
        wait_for_quality_colours(page, code, quality[level].loc[code, "score"])
        page.wait_for_selector("#map-quality[open]")
        page.screenshot(path=SHOTS.format(name=name, width=width), full_page=width < 800)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        bar = page.locator(".colorbar").bounding_box()
        frame = page.locator("#map-graph").bounding_box()
        assert (
            bar["x"] >= frame["x"] - 1
            and bar["x"] + bar["width"] <= frame["x"] + frame["width"] + 1
        )
    finally:
        context.close()


def test_the_confidence_control_recounts_the_offers(page, page_log, app_url, eco):
    """« Élevée » on the Carte: the map counts only the offers of high confidence, as the
    core does on ``eco.filter(min_confidence="high")``; the URL keeps it, and so does the
    Réseau page."""
    keys = [("stage", "creation")]
    every = compute_coverage(eco).table("departement", keys=keys).set_index("code")
    sure = compute_coverage(eco.filter(min_confidence="high"))
    sure = sure.table("departement", keys=keys).set_index("code")
    code = next(c for c in every.index if every.loc[c, "n_offers"] > sure.loc[c, "n_offers"])
    name = every.loc[code, "name"]
    colon = NBSP + ": "

    def offers_line(count: int) -> str:
        return f"Offres locales{colon}{count}"

    page.goto(f"{app_url}/carte?dep={code}")
    wait_for_paths(page, 101)
    detail_title(page, f"{name} ({code})")
    assert page.locator("#map-confidence input[value=low]").is_checked()
    assert offers_line(int(every.loc[code, "n_offers"])) in hover(page, code, name)
    page.locator("#map-confidence").get_by_label("Élevée", exact=True).check()
    page.wait_for_url(f"**/carte?dep={code}&confidence=high", timeout=10_000)
    expected = offers_line(int(sure.loc[code, "n_offers"]))
    page.wait_for_function(
        f"""([code, line]) => {{ const t = {GD}.data[0];
          return t.customdata[t.locations.indexOf(code)][1].split('<br>').includes(line); }}""",
        arg=[code, expected],
        timeout=20_000,
    )
    assert expected in hover(page, code, name)
    # The panel lists the surer offers only.
    names = eco.structures["name"]
    kept = [names[s] for s in str(sure.loc[code, "offers"]).split("|") if s]
    dropped = set(str(every.loc[code, "offers"]).split("|")) - set(
        str(sure.loc[code, "offers"]).split("|")
    )
    creation = page.locator("#map-detail .stage-entry", has_text="Création").first
    page.wait_for_function(
        "(n) => [...document.querySelectorAll('#map-detail .stage-entry')]"
        ".some(e => e.innerText.includes('Création') && e.querySelectorAll('li').length === n)",
        arg=len(kept),
        timeout=10_000,
    )
    text = creation.inner_text()
    assert all(k in text for k in kept)
    assert not any(names[s] in page.locator("#map-detail").inner_text() for s in dropped)
    # No chip repeats the control; the Réseau page keeps the choice.
    assert page.locator("#map-filters .filter-chip").count() == 0
    page.get_by_role("link", name="Voir le réseau de ce territoire").click()
    page.wait_for_url("**/reseau?*confidence=high*", timeout=10_000)
    page.wait_for_selector("#net-confidence input[value=high]:checked", timeout=30_000)
    assert page_log.foreign_hosts() == set(), page_log.requests
    assert page_log.errors == []
