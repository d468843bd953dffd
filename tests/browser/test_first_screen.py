"""The Carte page: the map of France renders offline, as France, not as a painted globe."""

from __future__ import annotations

import re

import pytest

from browser.settle import wait_for_dash_idle, wait_for_plot
from fresque.views.maps import NBSP, format_number_fr, territory_values

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/fresque_first_screen.png"

#: Geometry of the drawn map, measured in the page.
MEASURE_MAP = """
() => {
  const paths = [...document.querySelectorAll("path.choroplethlocation")];
  // The geo subplot's clip rectangle: a path painting the globe fills all of it.
  const clip = document.querySelector('clipPath[id$="geo"] rect');
  const boxes = paths.map(p => p.getBoundingClientRect()).filter(b => b.width > 0);
  const union = {
    left: Math.min(...boxes.map(b => b.left)), right: Math.max(...boxes.map(b => b.right)),
    top: Math.min(...boxes.map(b => b.top)), bottom: Math.max(...boxes.map(b => b.bottom)),
  };
  return {
    count: paths.length,
    drawn: boxes.length,
    plot: {width: clip.width.baseVal.value, height: clip.height.baseVal.value},
    union: {width: union.right - union.left, height: union.bottom - union.top},
    largest: Math.max(...boxes.map(b => b.width * b.height)),
    fills: [...new Set(paths.map(p => getComputedStyle(p).fill))],
    locations: paths.map(p => p.__data__.loc),
  };
}
"""


def wait_for_locations(page, count: int) -> None:
    page.wait_for_function(
        f"document.querySelectorAll('path.choroplethlocation').length === {count}",
        timeout=30_000,
    )


def test_departement_map_renders_france_offline(page, page_log, app_url):
    departements = territory_values("departements")
    page.goto(f"{app_url}/carte")
    wait_for_locations(page, len(departements))
    wait_for_plot(page, "#map-graph")  # drawn at its frame's size, not moving
    wait_for_dash_idle(page)  # every callback of the first screen has answered
    page.screenshot(path=SCREENSHOT, full_page=True)
    shape = page.evaluate(MEASURE_MAP)

    assert page.title() == "Fresque de l’accompagnement de l’ESS"
    assert page.locator("h1").inner_text() == "Fresque de l’accompagnement de l’ESS"
    # One path per département, every one drawn, each at its code.
    assert shape["count"] == shape["drawn"] == len(departements) == 101
    assert sorted(shape["locations"]) == sorted(departements.index)
    # France with its insets, not a disc: a wrongly wound ring paints the whole globe,
    # i.e. a path as large as the plot area.
    plot_area = shape["plot"]["width"] * shape["plot"]["height"]
    union = shape["union"]
    assert shape["largest"] < 0.1 * plot_area
    # The map is framed to fill its plot (about 93 % of it, with the insets); a globe
    # painted by a wrongly wound ring would fill all of it.
    assert union["width"] * union["height"] < 0.98 * plot_area
    assert 1.0 < union["width"] / union["height"] < 1.6
    assert union["height"] > 0.8 * shape["plot"]["height"], "the map should fill the frame"
    # Coverage statuses: several discrete colours, not one flat fill.
    assert len(shape["fills"]) >= 2
    # Everything came from the app itself, the topojson stub included.
    assert page_log.foreign_hosts() == set(), page_log.requests
    assert any(url.endswith("/assets/topojson/world_110m.json") for url in page_log.requests)
    # The map travels once, with the page the routing callback renders: no other
    # callback re-sends it on load.
    assert len([url for url in page_log.requests if "_dash-update-component" in url]) == 1
    assert page_log.errors == []


def test_hover_shows_french_numbers(page, app_url):
    population = territory_values("departements")
    page.goto(f"{app_url}/carte?show=per100k")
    wait_for_locations(page, len(population))
    # La Réunion: a compact island in its inset box, easy to point at.
    box = page.evaluate(
        """() => {
          const p = [...document.querySelectorAll("path.choroplethlocation")]
            .find(p => p.__data__.loc === "974");
          const b = p.getBoundingClientRect();
          return {x: b.left + b.width / 2, y: b.top + b.height / 2};
        }"""
    )
    page.mouse.move(box["x"], box["y"])
    label = page.locator(".hoverlayer .hovertext")
    label.wait_for(timeout=10_000)
    text = label.text_content()
    assert "La Réunion" in text
    # Words and French typography: "Étape : Création", "Offres pour 100 000 habitants : 0,0".
    assert f"Étape{NBSP}: Création" in text
    assert f"Offres pour 100{NBSP}000 habitants{NBSP}: " in text
    assert re.search(r"\d,\d", text)
    assert format_number_fr(1234.5, 1) == f"1{NBSP}234,5"


def test_level_selector_switches_to_regions_and_back(page, page_log, app_url):
    page.goto(f"{app_url}/carte")
    wait_for_locations(page, 101)
    page.get_by_label("Régions").check()
    wait_for_locations(page, 18)
    shape = page.evaluate(MEASURE_MAP)
    assert sorted(shape["locations"]) == sorted(territory_values("regions").index)
    assert shape["largest"] < 0.2 * shape["plot"]["width"] * shape["plot"]["height"]
    assert page.get_by_text("Couverture des territoires").count() == 1
    assert page.url.endswith("/carte?level=regions")  # the level is in the URL
    page.get_by_label("Départements").check()
    wait_for_locations(page, 101)
    assert page.url.endswith("/carte")
    page.go_back()
    wait_for_locations(page, 18)
    assert page.get_by_label("Régions").is_checked()
    assert page_log.foreign_hosts() == set()
    assert page_log.errors == []
